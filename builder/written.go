package builder

import (
	"encoding/json"

	"github.com/packuilon/packuilon/internal/config"
)

// writtenError is an error whose text shows what %(name)s references of the configuration
// brought into it (a path, a URL) as written (config.AsWritten): the store keeps it as the
// build's error, shown by show, the page and mails. errors.Is and errors.As see the error.
type writtenError struct{ err error }

// asWritten wraps err (nil stays nil).
func asWritten(err error) error {
	if err == nil {
		return nil
	}
	return writtenError{err}
}

func (e writtenError) Error() string { return config.AsWritten(e.err.Error()) }

func (e writtenError) Unwrap() error { return e.err }

// artifactsJSON is the build's artifacts as the store keeps them. Their texts for people (a
// smoke test's verdict, the warnings of a promotion), which may quote an error naming a path
// or URL of the configuration, show what %(name)s references brought in as written; paths the
// build reads again (build files, logs, reports) are kept as they are. The build's own
// artifacts are left alone: the stages after this one and the observers read them (the mails
// apply config.AsWritten themselves, BuildEvent), and PromoteWarnings may share its array with
// the promotion's result.
func artifactsJSON(b *Build) ([]byte, error) {
	arts := make([]Artifact, len(b.Artifacts))
	for i, a := range b.Artifacts {
		a.TestVerdict = config.AsWritten(a.TestVerdict)
		if a.PromoteWarnings != nil {
			ws := make([]string, len(a.PromoteWarnings))
			for j, w := range a.PromoteWarnings {
				ws[j] = config.AsWritten(w)
			}
			a.PromoteWarnings = ws
		}
		arts[i] = a
	}
	return json.Marshal(arts)
}
