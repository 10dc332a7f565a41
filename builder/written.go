package builder

import "github.com/packuilon/packuilon/internal/config"

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
