package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// tokenInfo is what the simulator needs from a validated token.
type tokenInfo struct {
	ProjectID string
	UserID    string
	Admin     bool
	expires   time.Time
}

// tokenCacheTTL bounds how long a validated token is trusted without asking Keystone again
// (Keystone's auth_token middleware caches too; bcrypt makes each validation cost).
const tokenCacheTTL = 5 * time.Minute

// adminTokenSource returns a function giving a current admin token (re-authenticating as
// needed), used to validate callers' tokens as Nova's keystonemiddleware does.
func adminTokenSource(o *OpenStack) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		p, err := o.Provider(ctx, o.Admin)
		if err != nil {
			return "", err
		}
		return p.Token(), nil
	}
}

// validate checks a caller's token against Keystone.
func (s *NovaSim) validate(ctx context.Context, token string) (tokenInfo, error) {
	if token == "" {
		return tokenInfo{}, fmt.Errorf("no X-Auth-Token")
	}
	s.mu.Lock()
	ti, ok := s.tokens[token]
	s.mu.Unlock()
	if ok && time.Now().Before(ti.expires) {
		return ti, nil
	}
	admin, err := s.adminToken(ctx)
	if err != nil {
		return tokenInfo{}, fmt.Errorf("admin token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.authURL+"/auth/tokens", nil)
	if err != nil {
		return tokenInfo{}, err
	}
	req.Header.Set("X-Auth-Token", admin)
	req.Header.Set("X-Subject-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return tokenInfo{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return tokenInfo{}, fmt.Errorf("keystone says %s", resp.Status)
	}
	var body struct {
		Token struct {
			Project struct{ ID string } `json:"project"`
			User    struct{ ID string } `json:"user"`
			Roles   []struct{ Name string }
		} `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return tokenInfo{}, err
	}
	if body.Token.Project.ID == "" {
		return tokenInfo{}, fmt.Errorf("token is not project-scoped")
	}
	ti = tokenInfo{ProjectID: body.Token.Project.ID, UserID: body.Token.User.ID, expires: time.Now().Add(tokenCacheTTL)}
	for _, r := range body.Token.Roles {
		ti.Admin = ti.Admin || r.Name == "admin"
	}
	s.mu.Lock()
	s.tokens[token] = ti
	s.mu.Unlock()
	return ti, nil
}

// adminToken caches the simulator's own admin token.
func (s *NovaSim) adminToken(ctx context.Context) (string, error) {
	s.mu.Lock()
	tok, at := s.ownToken, s.ownTokenAt
	s.mu.Unlock()
	if tok != "" && time.Since(at) < time.Hour {
		return tok, nil
	}
	tok, err := s.admin(ctx)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.ownToken, s.ownTokenAt = tok, time.Now()
	s.mu.Unlock()
	return tok, nil
}
