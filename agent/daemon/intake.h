/* SPDX-License-Identifier: MIT */
/* intake: what happens to a message on Paho's thread — route it by topic,
 * validate the whole command, then answer at once (errors, cancel,
 * set_layout) or queue it for the writer. Never blocks. */
#ifndef KEYMIME_INTAKE_H
#define KEYMIME_INTAKE_H

#include "mqtt_link.h"

/* The mqtt_link message callback; ctx: the struct agent. */
void intake_message(void *ctx, const struct mqtt_inbound *m);

#endif
