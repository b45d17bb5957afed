/*
 * checks.c - run the checks of one message
 *
 * The checks run in one fixed order, each only when some filtered
 * recipient's group wants its family (policy_needs):
 *
 *   content_parse    the one MIME parse; its decoded text goes into the
 *                    view so the URL extraction of SURBL reads it
 *   dnsbl_start      every DNS query of the message goes out at once
 *   content_analyze  rules, formal mail, the classifier (local CPU)
 *   av_check         libclamav and the attachment filter (local CPU)
 *   dnsbl_finish     the answers, waiting at most the DNS deadline
 *
 * so the network round trips overlap the local work.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"

/* checks */
#include "av.h"
#include "content.h"
#include "dnsbl.h"

/* policy */
#include "findings.h"
#include "policy.h"

/* server */
#include "pipeline.h"
#include "server.h"

/* checks_needs - the check families the filtered recipients' groups want */

static unsigned int
checks_needs(struct pl_ctx *c)
{
	const struct policy_group *g;
	unsigned int	 need = 0;
	size_t		 i;

	for (i = 0; i < c->m->nrcpts; i++) {
		if (c->rc[i].info != INFO_NONE)
			continue;
		g = policy_group_find(policy_current, c->addrs[i],
		    c->m->sender, c->view.client_addr);
		need |= policy_needs(g);
	}
	return (need);
}

/* checks_run - run every check a group wants; WN_OK or WN_TEMP */

int
checks_run(struct pl_ctx *c)
{
	unsigned int	 need = checks_needs(c);
	struct content_msg *cm = NULL;
	struct dnsbl_run *run = NULL;
	struct dnsbl_opts dopts;
	int		 rc = WN_OK;

	if (need & (POLICY_NEED_SPAM | POLICY_NEED_DNS)) {
		cm = content_parse(&c->view);
		c->view.text = content_text(cm, &c->view.text_len);
	}
	if (need & POLICY_NEED_AV) {
		/* The scan process is forked from us: do that before the DNS
		 * checks start their SPF thread. */
		buf_reset(c->why);
		if (av_ready(c->why) < 0)
			log_warn("%s: %s", c->m->qid, buf_str(c->why));
	}
	if (need & POLICY_NEED_DNS) {
		memset(&dopts, 0, sizeof(dopts));
		/* Only the families some group counts. */
		dopts.families = DNSBL_F_DNSBL |
		    ((need & POLICY_NEED_RDNS) ? DNSBL_F_RDNS : 0) |
		    ((need & POLICY_NEED_SPF) ? DNSBL_F_SPF : 0) |
		    ((need & POLICY_NEED_SURBL) ? DNSBL_F_SURBL : 0);
		buf_reset(c->why);
		run = dnsbl_start(&c->view, &dopts, c->why);
	}
	if (need & POLICY_NEED_SPAM) {
		buf_reset(c->why);
		if (content_analyze(cm, &c->view, c->f, c->why) != WN_OK) {
			log_warn("%s: content check failed: %s", c->m->qid,
			    buf_str(c->why));
			(void)snprintf(c->error_check, sizeof(c->error_check),
			    "content");
			rc = WN_TEMP;
		}
	}
	if ((need & POLICY_NEED_AV) && rc == WN_OK) {
		buf_reset(c->why);
		if (av_check(&c->view, c->f, c->why) != WN_OK) {
			log_warn("%s: av check failed: %s", c->m->qid,
			    buf_str(c->why));
			(void)snprintf(c->error_check, sizeof(c->error_check),
			    "av");
			rc = WN_TEMP;
		} else if (c->f->av == AV_ERROR) {
			log_warn("%s: virus scan: %s", c->m->qid,
			    buf_str(c->why));
		}
	}
	if (run != NULL) {
		buf_reset(c->why);
		if (rc != WN_OK)
			dnsbl_abort(run);
		else if (dnsbl_finish(run, c->f, c->why) != WN_OK) {
			log_warn("%s: DNS checks failed: %s", c->m->qid,
			    buf_str(c->why));
			(void)snprintf(c->error_check, sizeof(c->error_check),
			    "dns");
			rc = WN_TEMP;
		}
	}
	/* The decoded text lives in cm: nothing after the checks reads it. */
	c->view.text = NULL;
	c->view.text_len = 0;
	content_msg_free(cm);
	return (rc);
}
