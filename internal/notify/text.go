package notify

import (
	"fmt"
	"strings"

	"github.com/packuilon/packuilon/internal/config"
)

// headlines are the one-line summaries of the events, over the image key and the stage.
var headlines = map[string]string{
	config.EventBuildFailed:      "build of {key} failed at {stage}",
	config.EventBuildRejected:    "{key} rejected by the smoke test",
	config.EventAwaitingApproval: "{key} awaits approval",
	config.EventBuildSucceeded:   "new image for {key}",
	config.EventBuildDenied:      "{key} was denied",
	config.EventBuildCancelled:   "build of {key} cancelled",
	config.EventImagePromoted:    "image of {key} promoted",
	config.EventImageRolledBack:  "{key} rolled back",
}

// headline is the one-line summary of an event: the mail subject and the first Slack line.
func headline(ev Event) string {
	h, ok := headlines[ev.Type]
	if !ok {
		h = ev.Type + " {key}"
	}
	return "packuilon: " + strings.NewReplacer("{key}", ev.ImageKey, "{stage}", ev.Stage).Replace(h)
}

// Text is the plain-text body of a mail about ev.
func Text(ev Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", headline(ev))
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-10s %s\n", k+":", v)
		}
	}
	line("Event", ev.Type)
	line("Image key", ev.ImageKey)
	line("Build", ev.BuildID)
	line("State", ev.State)
	line("Stage", ev.Stage)
	if ev.Attempt > 0 {
		line("Attempt", fmt.Sprint(ev.Attempt))
	}
	line("Status", ev.Message)
	line("Host", ev.Host)
	line("Time", ev.At.Format("2006-01-02 15:04:05 MST"))
	for _, im := range ev.Images {
		fmt.Fprintf(&b, "\nImage %s (%s)\n", im.Name, im.Key)
		line("  id", im.ImageID)
		line("  verdict", im.TestVerdict)
		if im.Promoted {
			line("  now", "current image (promoted)")
		}
		line("  replaced", im.Warehoused)
		if im.Rejected {
			line("  rejected", "by the smoke test; marked "+im.BrokenName)
		}
	}
	if len(ev.LogTail) > 0 {
		fmt.Fprintf(&b, "\nLast lines of the build log:\n")
		for _, l := range ev.LogTail {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	if len(ev.Commands) > 0 {
		fmt.Fprintf(&b, "\nWhat next:\n")
		for _, c := range ev.Commands {
			fmt.Fprintf(&b, "  %s\n", c)
		}
	}
	return b.String()
}

// SlackText is the text of a Slack/Mattermost incoming-webhook post about ev: the headline, the
// status and the images, without the log tail (Slack cuts long posts).
func SlackText(ev Event) string {
	var b strings.Builder
	b.WriteString(headline(ev))
	if ev.BuildID != "" {
		fmt.Fprintf(&b, " (build %s)", ev.BuildID)
	}
	if ev.Message != "" {
		fmt.Fprintf(&b, "\n%s", ev.Message)
	}
	for _, im := range ev.Images {
		fmt.Fprintf(&b, "\n• %s: %s", im.Name, im.ImageID)
		if im.TestVerdict != "" {
			fmt.Fprintf(&b, " (%s)", im.TestVerdict)
		}
	}
	for _, c := range ev.Commands {
		fmt.Fprintf(&b, "\n`%s`", c)
	}
	return b.String()
}
