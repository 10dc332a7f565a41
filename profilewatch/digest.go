package profilewatch

import (
	"github.com/packuilon/packuilon/internal/canon"
	"github.com/packuilon/packuilon/internal/event"
)

// ErrNotJSON is wrapped when a profile body is not a JSON object or is over the structure limits.
var ErrNotJSON = event.ErrNotProfile

// profileLimits bounds a profile's structure for a size cap: one value per 8 bytes of the cap
// (a real 20 MB profile holds about a million values), nested at most canon.DefaultMaxDepth.
func profileLimits(maxSize int64) canon.Limits {
	return canon.Limits{MaxValues: int(max(maxSize/8, 1<<16))}
}

// Digest is "blake3:<hex>" of the profile's canonical JSON (keys sorted, no whitespace, numbers
// exactly as written), with the ignored paths removed: a recompile that changes neither content
// nor ignored parts gives the same digest. The canonical form is encoding/json's, the one whose
// SHA-256 earlier versions cached; it is taken in one pass without decoding the profile.
func Digest(body []byte, ignore []string) (string, error) {
	doc, err := canon.Read(body, canon.Options{Ignore: ignore})
	if err != nil {
		return "", &wrapped{err}
	}
	return doc.Digest, nil
}

type wrapped struct{ err error }

func (w *wrapped) Error() string   { return ErrNotJSON.Error() + ": " + w.err.Error() }
func (w *wrapped) Unwrap() []error { return []error{ErrNotJSON, w.err} }
