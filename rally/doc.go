// Package rally smoke tests candidate images before promotion. Two Testers share one Verdict:
//
//   - Runner drives the Rally CLI (argv only): it starts a task tagged with the build id, finds
//     the task's UUID by that tag, writes the JSON report beside the build log and reads the
//     verdict from it (ParseReport).
//   - BootTest is the built-in test for sites without Rally: it boots the image with gophercloud,
//     waits for ACTIVE (and optionally a console marker) and always deletes the server.
//
// A Tester returns a Verdict when the test judged the image, and an error wrapping
// ErrInfrastructure when it could not (Rally missing, deployment broken, API down, timeout,
// crashed task): the image is not at fault then and the candidate is kept for a retry.
//
//	v, err := tester.Test(ctx, rally.Subject{BuildID: id, ImageID: img, ReportPath: p})
//	switch {
//	case err != nil: // infrastructure: keep the candidate
//	case !v.Passed: // reject the image, v.Reason says why
//	}
package rally
