/* SPDX-License-Identifier: MIT */
/* xkb_names: the table of keymime layout names → XKB model/layout/variant. */
#include "xkb_names.h"

#include <strings.h>

/* Order is the order of layout_at(): "us" first, then the common ones, then
 * the ones users asked for. Every keymap uses the evdev rules; the model only
 * matters for Japanese (jp106 brings the extra JIS keys). */
static const struct xkb_name names[] = {
	{ "us",         "pc105", "us",    ""        },
	{ "us-intl",    "pc105", "us",    "intl"    },
	{ "gb",         "pc105", "gb",    ""        },
	{ "de",         "pc105", "de",    ""        },
	{ "de-ch",      "pc105", "ch",    "de"      },
	{ "fr",         "pc105", "fr",    ""        },
	{ "fr-ch",      "pc105", "ch",    "fr"      },
	{ "be",         "pc105", "be",    ""        },
	{ "es",         "pc105", "es",    ""        },
	{ "it",         "pc105", "it",    ""        },
	{ "pt",         "pc105", "pt",    ""        },
	{ "pt-br",      "pc105", "br",    ""        },
	{ "nl",         "pc105", "nl",    ""        },
	{ "se",         "pc105", "se",    ""        },
	{ "no",         "pc105", "no",    ""        },
	{ "dk",         "pc105", "dk",    ""        },
	{ "fi",         "pc105", "fi",    ""        },
	{ "pl",         "pc105", "pl",    ""        },
	{ "cz",         "pc105", "cz",    ""        },
	{ "hu",         "pc105", "hu",    ""        },
	{ "tr",         "pc105", "tr",    ""        },
	{ "us-dvorak",  "pc105", "us",    "dvorak"  },
	{ "us-colemak", "pc105", "us",    "colemak" },
	{ "ca",         "pc105", "ca",    ""        },
	{ "latam",      "pc105", "latam", ""        },
	{ "is",         "pc105", "is",    ""        },
	{ "ee",         "pc105", "ee",    ""        },
	{ "lt",         "pc105", "lt",    ""        },
	{ "lv",         "pc105", "lv",    ""        },
	{ "si",         "pc105", "si",    ""        },
	{ "hr",         "pc105", "hr",    ""        },
	{ "sk",         "pc105", "sk",    ""        },
	{ "ro",         "pc105", "ro",    ""        },
	{ "ru",         "pc105", "ru",    ""        },
	{ "ua",         "pc105", "ua",    ""        },
	{ "gr",         "pc105", "gr",    ""        },
	{ "jp",         "jp106", "jp",    ""        },
};

const struct xkb_name *xkb_names_find(const char *name)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(names[i].name, name) == 0)
			return &names[i];
	return NULL;
}

size_t xkb_names_count(void)
{
	return sizeof names / sizeof names[0];
}

const struct xkb_name *xkb_names_at(size_t i)
{
	return i < xkb_names_count() ? &names[i] : NULL;
}
