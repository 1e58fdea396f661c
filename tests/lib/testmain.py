# SPDX-License-Identifier: MIT
"""The one runner of the Python suites: unittest.

    if __name__ == "__main__":
        testmain.main(globals(), cleanup=D.cleanup)

(arguments: names, or parts of names, of the tests to run alone) runs the module's unittest.TestCase classes and, as unittest
FunctionTestCases in file order, its module-level test_* functions (plain
`assert`s fail them like any assertion). Exit status as ctest reads it: 0
all passed, 1 something failed, 77 (SKIP_RETURN_CODE) when a test was skipped
(unittest.SkipTest: a tool genuinely missing) and nothing failed, so a skip
never passes for a success (tests/run.sh fails a CI run that skipped).
A module that cannot run at all exits 77 itself before this (skip()).
"""
import inspect
import sys
import unittest

SKIP = 77


def skip(why):
    """A whole test file cannot run here (a tool is missing): exit 77."""
    print("SKIP: " + why, flush=True)
    sys.exit(SKIP)


def suite(namespace):
    """The TestCase classes and test_* functions defined in namespace."""
    loader = unittest.TestLoader()
    out = unittest.TestSuite()
    name = namespace.get("__name__")
    for obj in list(namespace.values()):
        if isinstance(obj, type) and issubclass(obj, unittest.TestCase) and \
                obj.__module__ == name:
            out.addTests(loader.loadTestsFromTestCase(obj))
    funcs = [f for n, f in namespace.items() if n.startswith("test_") and inspect.isfunction(f)
             and f.__module__ == name]
    funcs.sort(key=lambda f: f.__code__.co_firstlineno)
    for f in funcs:
        out.addTest(unittest.FunctionTestCase(f, description=f.__name__))
    return out


def main(namespace, cleanup=None):
    """Run suite(namespace) verbosely; cleanup() afterwards, whatever happened."""
    try:
        argv = [a for a in sys.argv[1:] if not a.startswith("-")]   # (-v: verbose anyway)
        tests = suite(namespace)
        if argv:   # names of functions or TestCase ids to run alone
            tests = unittest.TestSuite(t for t in _flatten(tests)
                                       if any(a in t.id() or a == str(t) for a in argv))
        result = unittest.TextTestRunner(verbosity=2).run(tests)
    finally:
        if cleanup:
            cleanup()
    if not result.wasSuccessful():
        sys.exit(1)
    if result.skipped:
        print("%d skipped: not a pass (exit %d)" % (len(result.skipped), SKIP))
        sys.exit(SKIP)
    if not result.testsRun:
        print("no test ran")
        sys.exit(1)
    sys.exit(0)


def _flatten(s):
    for t in s:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t
