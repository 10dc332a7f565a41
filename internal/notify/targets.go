package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/retry"
	"github.com/packuilon/packuilon/internal/state"
)

// Target labels stored in the outbox. They name a configured destination without its address
// or URL (hook URLs carry tokens); the Dispatcher resolves them with the configuration it has
// when it delivers.
const (
	TargetFailureMail  = "mail:failure"
	TargetSuccessMail  = "mail:success"
	TargetSlackSuccess = "slack-success"
	targetWebhook      = "webhook:"
)

// failureMail are the events mailed to FAILURE_ADDRESS: what staff must act on.
var failureMail = []string{config.EventBuildFailed, config.EventBuildRejected, config.EventAwaitingApproval,
	config.EventBuildDenied, config.EventImageRolledBack}

// Targets returns where an event of type typ goes: FAILURE_ADDRESS for failures, rejections,
// approval requests, denials and rollbacks; SUCCESS_ADDRESS for build.succeeded; every webhook;
// and SLACK_SUCCESS_HOOK for build.succeeded (as the old scripts posted). EVENTS filters all
// but the Slack success hook.
func Targets(n config.Notify, typ string) []string {
	var out []string
	if n.Wants(typ) {
		if len(n.FailureAddress) > 0 && slices.Contains(failureMail, typ) {
			out = append(out, TargetFailureMail)
		}
		if len(n.SuccessAddress) > 0 && typ == config.EventBuildSucceeded {
			out = append(out, TargetSuccessMail)
		}
		for i := range n.Webhooks {
			out = append(out, targetWebhook+strconv.Itoa(i+1))
		}
	}
	if n.SlackSuccessHook != "" && typ == config.EventBuildSucceeded {
		out = append(out, TargetSlackSuccess)
	}
	return out
}

// Queue records ev in the store's outbox for each of its targets. It returns once the rows are
// committed; the Dispatcher delivers them.
func Queue(ctx context.Context, st *state.Store, n config.Notify, ev Event) error {
	targets := Targets(n, ev.Type)
	if len(targets) == 0 {
		return nil
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("queue %s: %w", ev.Type, err)
	}
	return st.Enqueue(ctx, ev.BuildID, ev.Type, string(body), targets)
}

// Deliver sends ev to the target label with the configuration n.
func Deliver(ctx context.Context, n config.Notify, target string, ev Event) error {
	switch {
	case target == TargetFailureMail:
		return SendMail(ctx, n, n.FailureAddress, ev)
	case target == TargetSuccessMail:
		return SendMail(ctx, n, n.SuccessAddress, ev)
	case target == TargetSlackSuccess:
		if n.SlackSuccessHook == "" {
			return retry.Permanent(fmt.Errorf("%s: SLACK_SUCCESS_HOOK is no longer set", target))
		}
		return PostHook(ctx, target, n.SlackSuccessHook, config.WebhookSlack, "", ev)
	case strings.HasPrefix(target, targetWebhook):
		i, err := strconv.Atoi(strings.TrimPrefix(target, targetWebhook))
		if err != nil || i < 1 || i > len(n.Webhooks) {
			return retry.Permanent(fmt.Errorf("%s: no such WEBHOOK_URL any more", target))
		}
		return PostHook(ctx, target, n.Webhooks[i-1], n.WebhookFormat, n.WebhookSecret, ev)
	}
	return retry.Permanent(fmt.Errorf("unknown notification target %q", target))
}
