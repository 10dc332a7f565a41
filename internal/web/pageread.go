package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/packuilon/packuilon/internal/config"
)

// pageReadTimeout bounds the reads of the build store behind one page. They take milliseconds;
// on a silent network cut to a PostgreSQL store (packets dropped, nothing reset) they would
// wait for TCP keepalive, minutes, and the page with them: after this the page says that the
// store did not answer.
const pageReadTimeout = 10 * time.Second

// reading returns the context of a page's reads: the request's, given up after the page's
// read timeout.
func (p *Page) reading(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), p.readTimeout())
}

func (p *Page) readTimeout() time.Duration {
	if p.ReadTimeout > 0 {
		return p.ReadTimeout
	}
	return pageReadTimeout
}

// unreadable logs a failed read of section of a page and returns its error, saying so when the
// store gave no answer in time (ctx is the page's reads').
func (p *Page) unreadable(ctx context.Context, section string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("no answer from the build store in %s: %w", p.readTimeout(), err)
	}
	p.Log.Warn("status page: cannot read from the build store", "section", section, "error", err)
	return err
}

// unread is what a page shows in place of a section that could not be read (logged): the page
// shows the rest, since one failed read must not look like an empty list, nor hide the
// sections that were read. A nil err returns "".
func (p *Page) unread(ctx context.Context, section string, err error) string {
	if err == nil {
		return ""
	}
	return config.AsWritten(p.unreadable(ctx, section, err).Error())
}
