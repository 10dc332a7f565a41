package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/fsutil"
	"github.com/packuilon/packuilon/internal/state"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the parsed templates. They are parsed on first use rather than at init, where
// they cost every packuilon command start-up time (issue 12); a broken template still panics,
// now on the first render, and TestTemplatesParse catches it.
var pages = sync.OnceValue(func() *template.Template { return template.Must(parsePages()) })

func parsePages() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Local().Format("2006-01-02 15:04:05")
		},
		// dict passes a build and the page to the "actions" template.
		"dict": func(r state.Record, p *Page) actionData { return actionData{Record: r, Page: p} },
		"span": func(a, b time.Time) string {
			if b.IsZero() {
				return "running"
			}
			return b.Sub(a).Round(time.Millisecond).String()
		},
	}).ParseFS(templateFS, "templates/*.html")
}

// actionData is what the "actions" template needs: the build and the page.
type actionData struct {
	state.Record
	Page *Page
}

// Actions are what staff may do from the page; the builder provides them. who is the
// authenticated user, recorded in the journal. ctx is given up after the page's ActionTimeout,
// which bounds the action's writes to the build store: an error once it is given up is shown
// as the store's silence (504, the action may or may not have been recorded). Work an action
// does once its write is recorded, and that may take longer (deny's marking of candidates),
// runs on a context of its own and returns its failure through Recorded.
type Actions struct {
	Approve func(ctx context.Context, id, who string) error
	Deny    func(ctx context.Context, id, who, reason string) error
	Retry   func(ctx context.Context, id, who string) error
	Cancel  func(ctx context.Context, id, who string) error
}

// Page is the builder's status page: plain server-rendered HTML, no JavaScript. Without Auth
// it is read-only; with Auth (HTTP_AUTH_FILE) builds get approve, deny, retry and cancel
// buttons, which POST with a CSRF token and HTTP Basic credentials.
type Page struct {
	Store   *state.Store
	Auth    *Auth
	Actions Actions
	Log     hclog.Logger
	// ReadTimeout bounds the reads of the store behind one page; zero: pageReadTimeout.
	ReadTimeout time.Duration
	// ActionTimeout bounds a button's action; zero: pageActionTimeout.
	ActionTimeout time.Duration
}

// logLines is how much of a build log the build page shows.
const logLines = 60

// ServeHTTP routes the page.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	switch {
	case path == "" && r.Method == http.MethodGet:
		p.index(w, r)
	case path == "login" && r.Method == http.MethodGet:
		p.login(w, r)
	case len(parts) == 2 && parts[0] == "build" && r.Method == http.MethodGet:
		p.build(w, r, parts[1])
	case len(parts) == 3 && parts[0] == "build" && r.Method == http.MethodPost:
		p.act(w, r, parts[1], parts[2])
	default:
		http.NotFound(w, r)
	}
}

// indexData is the overview.
type indexData struct {
	Keys      []keyView
	Rollbacks []state.Rollback
	// RollbacksErr says why the rollbacks could not be read ("" when they were).
	RollbacksErr string
	Builds       []buildRow
	Awaiting     []buildRow
	Filter       state.Filter
	Page         *Page
}

func (p *Page) index(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := p.reading(r)
	defer cancel()
	all, err := p.Store.List(ctx, state.Filter{Limit: 1000})
	if err != nil {
		p.fail(w, http.StatusInternalServerError, p.unreadable(ctx, "builds", err))
		return
	}
	d := indexData{Keys: keysOf(all), Page: p}
	d.Rollbacks, err = p.Store.Rollbacks(ctx, 10)
	d.RollbacksErr = p.unread(ctx, "rollbacks", err)
	d.Filter = state.Filter{ImageKey: r.URL.Query().Get("key"), State: state.State(r.URL.Query().Get("state")), Limit: 50}
	for _, rec := range all {
		if rec.State == state.AwaitingApproval {
			d.Awaiting = append(d.Awaiting, row(rec))
		}
		if (d.Filter.ImageKey == "" || rec.ImageKey == d.Filter.ImageKey) && (d.Filter.State == "" || rec.State == d.Filter.State) && len(d.Builds) < d.Filter.Limit {
			d.Builds = append(d.Builds, row(rec))
		}
	}
	p.render(w, "index.html", d)
}

// buildData is one build's page.
type buildData struct {
	buildRow
	Journal []state.Entry
	Notes   []state.Notification
	// JournalErr and NotesErr say why the journal or the notifications could not be read.
	JournalErr, NotesErr string
	Log                  []string
	Done                 string
	Page                 *Page
}

func (p *Page) build(w http.ResponseWriter, r *http.Request, id string) {
	ctx, cancel := p.reading(r)
	defer cancel()
	rec, err := p.Store.Get(ctx, id)
	if errors.Is(err, state.ErrNotFound) {
		p.fail(w, http.StatusNotFound, err)
		return
	}
	if err != nil {
		p.fail(w, http.StatusInternalServerError, p.unreadable(ctx, "build", err))
		return
	}
	d := buildData{buildRow: row(rec), Page: p, Done: r.URL.Query().Get("done"), Log: fsutil.Tail(rec.LogPath, logLines, 400)}
	d.Journal, err = p.Store.Journal(ctx, id)
	d.JournalErr = p.unread(ctx, "journal", err)
	d.Notes, err = p.Store.Notifications(ctx, id)
	d.NotesErr = p.unread(ctx, "notifications", err)
	p.render(w, "build.html", d)
}

// login asks the browser for credentials once, so the buttons' POSTs carry them.
func (p *Page) login(w http.ResponseWriter, r *http.Request) {
	if p.Auth == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if _, err := p.Auth.User(r); err != nil {
		p.challenge(w)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (p *Page) challenge(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="packuilon", charset="UTF-8"`)
	http.Error(w, "log in with your packuilon staff account", http.StatusUnauthorized)
}

func (p *Page) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages().ExecuteTemplate(w, name, data); err != nil {
		p.Log.Error("status page", "page", name, "error", err)
	}
}

// errorData is the error page: its status code, the error, and a page to go back to ("/"
// when empty).
type errorData struct {
	Code int
	Err  string
	Back string
}

func (p *Page) fail(w http.ResponseWriter, code int, err error) {
	p.failBack(w, code, err, "")
}

// failBack is fail with a link back to the page at back.
func (p *Page) failBack(w http.ResponseWriter, code int, err error, back string) {
	w.WriteHeader(code)
	p.render(w, "error.html", errorData{code, config.AsWritten(err.Error()), back})
}

// Can reports whether action is offered for a build in state st (and the page is not read-only).
func (p *Page) Can(action string, st state.State) bool {
	if p.Auth == nil {
		return false
	}
	switch action {
	case "approve", "deny":
		return st == state.AwaitingApproval
	case "retry":
		return st == state.Failed || st == state.Cancelled
	case "cancel":
		return !st.Terminal()
	}
	return false
}
