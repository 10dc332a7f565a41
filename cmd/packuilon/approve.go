package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/builder"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/notify"
	"github.com/packuilon/packuilon/internal/state"
)

func init() {
	register(newApproveCmd)
	register(newDenyCmd)
	register(newCancelCmd)
}

// operator names who runs a command, for the journal: the sudo caller, else the user.
func operator() string {
	if u := os.Getenv("SUDO_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}

// storeError prints err and returns the exit status: 2 for what the user asked wrongly
// (no such build, a build in the wrong state), 1 otherwise.
func storeError(env *cmdEnv, cmd string, err error, usage ...error) error {
	fmt.Fprintf(env.stderr, "packuilon %s: %v\n", cmd, err)
	for _, u := range append(usage, state.ErrNotFound) {
		if errors.Is(err, u) {
			return exit(2)
		}
	}
	return exit(1)
}

func newApproveCmd(env *cmdEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "approve <build-id>",
		Short: "let a build awaiting approval go on to promotion ([promote] REQUIRE_APPROVAL)",
		Long: `Approve a build that passed its smoke test and awaits approval: the running builder
resumes it at the promoting stage.` + exitStatus("0  approved", "1  the build store cannot be opened", "2  usage error, no such build, the build is not awaiting approval, or a newer build of its key went further"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, ok := openStore(env, false)
			if !ok {
				return exit(1)
			}
			defer store.Close()
			rec, err := store.Approve(cmd.Context(), args[0], operator())
			if err != nil {
				return storeError(env, "approve", err, state.ErrNotAwaiting, state.ErrNewerBuild)
			}
			fmt.Fprintf(env.stdout, "build %s (%s) approved; the builder promotes it\n", rec.ID, rec.ImageKey)
			return nil
		},
	}
}

func newDenyCmd(env *cmdEnv) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "deny <build-id> --reason TEXT",
		Short: "refuse a build awaiting approval; its candidates are handled as rejected ones",
		Long: `Deny a build that awaits approval: it ends denied with the reason, and its candidate
images are marked broken or deleted as [promote] BROKEN_ACTION says (as a rejected candidate's).` +
			exitStatus("0  denied and the candidates handled", "1  denied, but Glance could not be reached for the candidates (or the store cannot be opened)",
				"2  usage error, no such build, or the build is not awaiting approval"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if reason == "" {
				return usageError("--reason must say why")
			}
			cfg, log, ok := setup(env, asCommand)
			if !ok {
				return exit(1)
			}
			store, err := buildStore(cfg, false)
			if err != nil {
				return storeError(env, "deny", err)
			}
			defer store.Close()
			rec, err := builder.Deny(cmd.Context(), cfg, store, args[0], operator(), reason, log)
			if err != nil {
				return storeError(env, "deny", err, state.ErrNotAwaiting)
			}
			fmt.Fprintf(env.stdout, "build %s (%s) denied\n", rec.ID, rec.ImageKey)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in the build and the notification; required)")
	return cmd
}

func newCancelCmd(env *cmdEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel <build-id>",
		Short: "cancel a queued, running or waiting build (retry resumes it)",
		Long: `Cancel a build. A queued build or one awaiting approval ends cancelled at once; a running
one is stopped by the builder (packer gets SIGINT and KILL_GRACE, the stage's cleanup runs) and
ends cancelled. A cancelled build can be resumed at its stage with retry.` +
			exitStatus("0  cancelled, or the builder was asked to stop it", "1  the build store cannot be opened", "2  usage error, no such build, or the build has ended"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, ok := setup(env, asCommand)
			if !ok {
				return exit(1)
			}
			store, err := buildStore(cfg, false)
			if err != nil {
				return storeError(env, "cancel", err)
			}
			defer store.Close()
			rec, running, err := store.Cancel(cmd.Context(), args[0], operator())
			if err != nil {
				return storeError(env, "cancel", err, state.ErrNotCancellable)
			}
			if running {
				fmt.Fprintf(env.stdout, "build %s (%s) is %s; the builder stops it\n", rec.ID, rec.ImageKey, rec.State)
				return nil
			}
			ev := builder.BuildEvent(config.EventBuildCancelled, rec, nil, cfg.Promote)
			if err := notify.Queue(cmd.Context(), store, cfg.Notify, ev); err != nil {
				fmt.Fprintf(env.stderr, "packuilon cancel: %v\n", err)
			}
			fmt.Fprintf(env.stdout, "build %s (%s) cancelled\n", rec.ID, rec.ImageKey)
			return nil
		},
	}
}
