/* SPDX-License-Identifier: MIT */
/* Unit tests of the keymime_guard plugin's rules (broker-config/plugin/guard.c):
 * the rules file, publish verdicts, discovery configs, logins. The plugin
 * on a real mosquitto: test_attacks.py. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "guard.h"

static struct guard G;

static void setup(void)
{
	char why[64];

	cr_assert_eq(guard_parse(&G, "# rules\nclient_certs optional\nadmin keymime-admin\n"
				     "device pia\ndevice pib\nsite kitchen pia,pic\nkick pib 17\n",
				 why, sizeof why), 0, "%s", why);
}

static void teardown(void) { guard_free(&G); }

TestSuite(guard, .init = setup, .fini = teardown);

static const char *pub(const char *user, const char *topic, const char *payload, bool retain)
{
	return guard_publish(&G, user, topic, payload, strlen(payload), retain);
}

Test(guard, parses_rules)
{
	cr_assert_eq(G.n_acc, 4);
	cr_assert_eq(guard_find(&G, "kitchen")->role, GUARD_SITE);
	cr_assert_null(guard_find(&G, "alice"));
	cr_assert_eq(G.n_kick, 1);
	cr_assert_str_eq(G.kick[0].stamp, "17");
	cr_assert(!G.certs_bound);
}

Test(guard, refuses_bad_rules)
{
	static const char *const bad[] = {"device a/b\n", "frobnicate x\n", "device\n",
					  "kick pia\n", "site s a;b\n", "device a b c d\n", NULL};
	struct guard g = {0};
	char why[64];

	for (int i = 0; bad[i]; i++) {
		cr_assert_eq(guard_parse(&g, bad[i], why, sizeof why), -EINVAL, "%s", bad[i]);
		cr_assert(strstr(why, "rule 1: "), "%s", why);
		cr_assert_eq(g.n_acc, 0);
	}
}

Test(guard, device_retains_only_its_state)
{
	cr_assert_null(pub("pia", "keymime/pia/availability", "online", true));
	cr_assert_null(pub("pia", "keymime/pia/status", "{}", true));
	cr_assert_null(pub("pia", "keymime/pia/result", "{}", false));
	cr_assert_null(pub("pia", "keymime/pia/result/r1", "{}", false));
	cr_assert_not_null(pub("pia", "keymime/pia/result", "{}", true));
	cr_assert_not_null(pub("pia", "keymime/pia/result/r1", "{}", true));
	cr_assert_not_null(pub("pia", "keymime/pib/status", "{}", true));
	cr_assert_not_null(pub("pia", "elsewhere", "x", true));
	cr_assert_null(pub("pia", "elsewhere", "x", false));   /* (the ACL refuses it) */
}

Test(guard, size_caps)
{
	static char big[GUARD_MAX_STATE + 2];

	memset(big, 'x', sizeof big - 1);
	cr_assert_not_null(pub("pia", "keymime/pia/status", big, true));
	cr_assert_not_null(pub("pia", "keymime/pia/result", big, false));
	cr_assert_not_null(pub("pia", "keymime/group/all/reply/r1", big, false));
	cr_assert_null(pub("pia", "keymime/group/all/reply/r1", "{}", false));
	cr_assert_not_null(pub("pia", "keymime/group/all/reply/r1", "{}", true));
	big[GUARD_MAX_STATE] = '\0';
	cr_assert_null(pub("pia", "keymime/pia/status", big, true));
	big[GUARD_MAX_AVAILABILITY + 1] = '\0';
	cr_assert_not_null(pub("pia", "keymime/pia/availability", big, true));
	big[GUARD_MAX_AVAILABILITY] = '\0';
	cr_assert_null(pub("pia", "keymime/pia/availability", big, true));
}

Test(guard, commands_never_retained_admin_unlimited)
{
	cr_assert_not_null(pub("alice", "keymime/pia/type", "x", true));
	cr_assert_not_null(pub("alice", "keymime/group/all/cmd", "{}", true));
	cr_assert_not_null(pub("alice", "keymime/pia/script", "STRING x", true));
	cr_assert_not_null(pub("alice", "keymime/group/all/script", "STRING x", true));
	cr_assert_null(pub("alice", "keymime/pia/script", "STRING x", false));
	cr_assert_null(pub("alice", "keymime/pia/type", "x", false));
	cr_assert_null(pub(NULL, "homeassistant/status", "online", true));
	cr_assert_null(pub("keymime-admin", "keymime/pia/result", "", true));
}

Test(guard, site_speaks_for_its_devices)
{
	cr_assert_null(pub("kitchen", "keymime/pic/status", "{}", true));
	cr_assert_not_null(pub("kitchen", "keymime/pib/status", "{}", true));
	cr_assert_null(pub("kitchen", "keymime/site/kitchen/bridge", "1", true));
	cr_assert_not_null(pub("kitchen", "keymime/site/other/bridge", "1", true));
	cr_assert_null(pub("kitchen", "homeassistant/button/keymime_pic/x/config",
			   "{\"command_topic\":\"keymime/pic/keys\"}", true));
	cr_assert_not_null(pub("kitchen", "homeassistant/button/keymime_pic/x/config",
			       "{\"command_topic\":\"keymime/pia/keys\"}", true));
}

static const char *ha(const char *json) { return guard_ha_config("pia", json, strlen(json)); }

Test(guard, discovery_configs_name_only_their_device)
{
	cr_assert_null(ha(""));
	cr_assert_null(ha("{\"unique_id\":\"keymime_pia_enter\",\"command_topic\":\"keymime/pia/keys\","
			  "\"device\":{\"identifiers\":[\"keymime_pia\"]},"
			  "\"availability\":[{\"topic\":\"keymime/pia/availability\"}],"
			  "\"value_template\":\"{{ value_json.leds }}\"}"));
	static const char *const bad[] = {
		"{\"command_topic\":\"keymime/group/all/cmd\"}",
		"{\"command_topic\":\"keymime/pib/cmd\"}",
		"{\"cmd_t\":\"keymime/pib/cmd\"}",
		"{\"command_topic\":\"keymime/pia\"}",
		"{\"command_topic\":\"keymime/piab/cmd\"}",
		"{\"command_topic\":7}",
		"{\"~\":\"keymime/pia\"}",
		"{\"availability\":[{\"t\":\"keymime/pib/availability\"}]}",
		"{\"device\":{\"identifiers\":[\"keymime_pia\",\"keymime_pib\"]}}",
		"{\"dev\":{\"ids\":\"keymime_pib\"}}",
		"{\"dev\":{\"ids\":\"keymime_pia_x\"}}",
		"{\"unique_id\":\"keymime_pib_enter\"}",
		"{\"uniq_id\":\"keymime_piab\"}",
		"{\"object_id\":\"other\"}",
		"{\"device\":{\"connections\":[[\"mac\",\"x\"]]}}",
		"{\"device\":{\"via_device\":\"keymime_pib\"}}",
		"{\"comm\\u0061nd_topic\":\"keymime/pib/cmd\"}",
		"[]", "\"x\"", "{\"a\":1} {}", "{\"a\":", "not json",
		"{\"a\":[[[[[[[[[[[[{\"command_topic\":\"keymime/pib/cmd\"}]]]]]]]]]]]]}",
		NULL};
	for (int i = 0; bad[i]; i++)
		cr_assert_not_null(ha(bad[i]), "accepted %s", bad[i]);
	cr_assert_not_null(guard_ha_config("pia", "{}\0x", 4));
}

Test(guard, certificates_bound_to_accounts)
{
	cr_assert_null(guard_login(&G, "pia", false, NULL));            /* optional */
	cr_assert_null(guard_login(&G, "pia", true, "pia"));
	cr_assert_not_null(guard_login(&G, "alice", true, "pold"));
	cr_assert_not_null(guard_login(&G, "pia", true, "pib"));
	cr_assert_not_null(guard_login(&G, NULL, true, "pia"));
	G.certs_bound = true;                                           /* required */
	cr_assert_not_null(guard_login(&G, "pia", false, NULL));
	cr_assert_null(guard_login(&G, "pia", true, "pia"));
	cr_assert_null(guard_login(&G, "alice", false, NULL));          /* people: passwords */
}

Test(guard, kicks_apply_once)
{
	struct guard_kick seen = {"pib", "17"}, fresh = {"pib", "18"};

	cr_assert(guard_kick_known(&G, &seen));
	cr_assert(!guard_kick_known(&G, &fresh));
}
