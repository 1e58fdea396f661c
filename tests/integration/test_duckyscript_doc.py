# SPDX-License-Identifier: MIT
"""docs/duckyscript.md is run, word for word, as docs/protocol.md is (see
test_protocol_doc.py): every ```sh block marked <!-- test: NAME --> against a
real mosquitto and agent pi1 configured with the doc's agent.conf lines,
its exact reports and results checked. And no DuckyScript example anywhere
in docs/ escapes a test: a shell example that publishes a script or a
"ducky" command is a marked example of a doc that is run."""
import glob
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_protocol_doc import DocExamples, examples  # noqa: E402

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
RUN = {"duckyscript.md", "protocol.md"}   # docs whose examples are run (here and there)


class DuckyDoc(DocExamples, unittest.TestCase):
    doc = os.path.join(DOCS, "duckyscript.md")
    min_examples = 4

    def test_no_untested_ducky_example_in_docs(self):
        for path in glob.glob(os.path.join(DOCS, "*.md")):
            text = open(path, encoding="utf-8").read()
            tested = [sh for _, _, sh, _ in examples(text)] if os.path.basename(path) in RUN else []
            for block in re.findall(r"```sh\n(.*?)```", text, re.S):
                if re.search(r"/script\b|\"ducky\"", block):
                    self.assertIn(block, tested, "%s: a DuckyScript example that no test runs:\n%s"
                                  % (os.path.basename(path), block))
            self.assertNotIn("```duckyscript", text, "%s: show scripts inside a tested sh block"
                             % os.path.basename(path))


if __name__ == "__main__":
    import testmain   # tests/lib: unittest; a skipped test makes the exit 77
    testmain.main(globals())
