/* SPDX-License-Identifier: MIT */
/* test_recent: a message seen again within the window is a duplicate; after
 * it, or when pushed out by newer ones, it is new again; key and body count. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "recent.h"

static struct recent r;

static bool seen(const char *key, const char *body, uint64_t now)
{
	return recent_seen(&r, key, strlen(key), body, strlen(body), now);
}

Test(recent, window)
{
	recent_init(&r, 8, 1000);
	cr_expect_not(seen("t", "{\"id\":\"1\"}", 5000));
	cr_expect(seen("t", "{\"id\":\"1\"}", 5000));
	cr_expect(seen("t", "{\"id\":\"1\"}", 6000), "still within 1000 ms of the first");
	cr_expect_not(seen("t", "{\"id\":\"1\"}", 6001), "the window is counted from the first");
	cr_expect(seen("t", "{\"id\":\"1\"}", 6500));
	recent_destroy(&r);
}

Test(recent, key_and_body_both_count)
{
	recent_init(&r, 8, 1000);
	cr_expect_not(seen("a/cmd", "x", 0));
	cr_expect_not(seen("b/cmd", "x", 1), "another topic");
	cr_expect_not(seen("a/cmd", "y", 2), "another payload");
	cr_expect_not(seen("a/cm", "dx", 3), "the split between key and body counts");
	cr_expect(seen("a/cmd", "x", 4));
	cr_expect(seen("b/cmd", "x", 5));
	recent_destroy(&r);
}

Test(recent, oldest_forgotten_when_full)
{
	char body[16];

	recent_init(&r, 4, 60000);
	for (int i = 0; i < 5; i++) {
		snprintf(body, sizeof body, "%d", i);
		cr_expect_not(seen("k", body, (uint64_t)i));
	}
	cr_expect_not(seen("k", "0", 10), "pushed out by four newer ones");
	cr_expect(seen("k", "4", 11));
	cr_expect(seen("k", "3", 12));
	recent_destroy(&r);
}

Test(recent, empty_body)
{
	recent_init(&r, 2, 10);
	cr_expect_not(seen("k", "", 0));
	cr_expect(seen("k", "", 10));
	cr_expect_not(seen("k", "", 21));
	recent_destroy(&r);
}
