//go:build man

// The man page generator is built only with the "man" tag (scripts/package builds such a binary
// to write the pages it ships): cobra/doc brings go-md2man, blackfriday and a YAML library, whose
// package initialisation would otherwise add about half a millisecond to every start of the
// shipped binary, `packuilon watch --once` from cron included.

package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/packuilon/packuilon/internal/oneshot"
	"github.com/packuilon/packuilon/internal/version"
)

func init() { register(newManCmd) }

// newManCmd writes the man pages (packuilon's and packuilon-watch-once's), generated from the
// same definitions as --help. Hidden, and only in a binary built with -tags man: the packages
// run it at build time and ship the pages.
func newManCmd(env *cmdEnv) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "man --dir DIR",
		Short:  "write the man pages (section 1) into DIR",
		Long:   "Write one man page per command into DIR, generated from the help." + exitStatus(exitOK, "1  DIR cannot be written", exitUsage),
		Args:   cobra.NoArgs,
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				fmt.Fprintf(env.stderr, "packuilon man: %v\n", err)
				return exit(1)
			}
			header := &doc.GenManHeader{Title: "PACKUILON", Section: "1", Source: "packuilon " + version.String(), Manual: "packuilon manual"}
			for _, c := range []*cobra.Command{cmd.Root(), onceManCmd()} {
				c.DisableAutoGenTag = true // reproducible pages: no generation date
				if err := doc.GenManTree(c, header, dir); err != nil {
					fmt.Fprintf(env.stderr, "packuilon man: %v\n", err)
					return exit(1)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory for the pages (required)")
	cmd.MarkFlagRequired("dir")
	return cmd
}

// onceManCmd describes the packuilon-watch-once binary (internal/oneshot) for its man page.
func onceManCmd() *cobra.Command {
	c := &cobra.Command{Use: oneshot.Usage, Short: oneshot.Short, Long: oneshot.Description + "\n\n" + oneshot.ExitStatus, Run: func(*cobra.Command, []string) {}}
	c.Flags().AddFlagSet(oneshot.Flags())
	return c
}
