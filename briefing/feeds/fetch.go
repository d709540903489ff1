package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// UserAgent is what the Fetcher sends unless told otherwise.
const UserAgent = "briefbot/1 (news briefing bot; +https://github.com/briefbot/briefbot)"

// FetcherOptions configure a Fetcher. The zero value is usable.
type FetcherOptions struct {
	// AllowPrivate lets requests reach loopback, private, link-local and
	// other non-public addresses. Only tests and trusted setups set it.
	AllowPrivate bool
	// Allow lists address ranges allowed although not public (a trusted
	// proxy or mirror on the internal network).
	Allow        []netip.Prefix
	UserAgent    string        // default UserAgent
	MaxBytes     int64         // largest body read, after gzip; default 10 MiB
	Timeout      time.Duration // one fetch, redirects and body included; default 30s
	MaxRedirects int           // default 5
	// LookupIP resolves a host name; default net.DefaultResolver. Tests
	// point a public-looking name at a private address with it.
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
	Now      func() time.Time // for Retry-After dates; default time.Now
}

// Fetcher gets feeds and pages over HTTP(S) politely and safely: only
// http and https; connections only to public addresses, checked on the
// resolved IP when connecting (so neither DNS nor a redirect can lead it
// inside); bounded size, time and redirects; gzip; conditional GET; and at
// most one request at a time to any host. It is safe for concurrent use.
type Fetcher struct {
	opt     FetcherOptions
	client  *http.Client
	blocked []netip.Prefix

	hostMu sync.Mutex
	hosts  map[string]*hostSlot
}

type hostSlot struct {
	ch    chan struct{} // holds one token while a request to the host runs
	users int
}

// NewFetcher returns a Fetcher.
func NewFetcher(opt FetcherOptions) *Fetcher {
	if opt.UserAgent == "" {
		opt.UserAgent = UserAgent
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 10 << 20
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxRedirects <= 0 {
		opt.MaxRedirects = 5
	}
	if opt.LookupIP == nil {
		opt.LookupIP = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	f := &Fetcher{opt: opt, hosts: map[string]*hostSlot{}}
	for _, p := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "2001:db8::/32", "64:ff9b:1::/48",
	} {
		f.blocked = append(f.blocked, netip.MustParsePrefix(p))
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: f.control}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would connect on our behalf, past the address check
		DialContext:           f.dialer(dialer),
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opt.Timeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	f.client = &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f
}

// Close releases idle connections.
func (f *Fetcher) Close() { f.client.CloseIdleConnections() }

// BlockedError says a request was refused because its address is not public.
type BlockedError struct {
	Host string
	Addr netip.Addr
}

func (e *BlockedError) Error() string {
	if e.Host != "" && e.Host != e.Addr.String() {
		return fmt.Sprintf("refused: %s resolves to %s, which is not a public address", e.Host, e.Addr)
	}
	return fmt.Sprintf("refused: %s is not a public address", e.Addr)
}

// StatusError is an HTTP response other than 2xx or 304.
type StatusError struct {
	Code       int
	RetryAfter time.Duration // from Retry-After on 429 and 503; 0 when absent
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// errTooLarge is returned for a body over FetcherOptions.MaxBytes.
var errTooLarge = errors.New("response too large")

// Public reports whether a is an address the Fetcher may connect to
// without AllowPrivate: not loopback, private, link-local (169.254.0.0/16,
// cloud metadata), unspecified, multicast, shared (100.64.0.0/10) or
// reserved for documentation and benchmarks.
func (f *Fetcher) Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	if a.Is6() {
		// NAT64 (64:ff9b::/96) carries an IPv4 address: judge that one.
		if p := netip.MustParsePrefix("64:ff9b::/96"); p.Contains(a) {
			b := a.As16()
			return f.Public(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
	}
	for _, p := range f.blocked {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

func (f *Fetcher) allowed(a netip.Addr) bool {
	if f.opt.AllowPrivate || f.Public(a) {
		return true
	}
	for _, p := range f.opt.Allow {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// control runs on every socket just before it connects, with the address
// actually dialled: the last word on where a connection goes.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused: cannot check address %q", address)
	}
	if !f.allowed(ap.Addr()) {
		return &BlockedError{Addr: ap.Addr().Unmap()}
	}
	return nil
}

// dialer resolves the host itself, refuses non-public addresses with a
// clear error, and dials the remaining ones by IP.
func (f *Fetcher) dialer(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			ips = []netip.Addr{ip}
		} else if ips, err = f.opt.LookupIP(ctx, host); err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		var first error
		for _, ip := range ips {
			if !f.allowed(ip) {
				if first == nil {
					first = &BlockedError{Host: host, Addr: ip.Unmap()}
				}
				continue
			}
			c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return c, nil
			}
			if first == nil || isBlocked(first) {
				first = err
			}
		}
		if first == nil {
			first = fmt.Errorf("resolve %s: no addresses", host)
		}
		return nil, first
	}
}

func isBlocked(err error) bool {
	var b *BlockedError
	return errors.As(err, &b)
}

// Request is one conditional GET.
type Request struct {
	URL          string
	ETag         string // sent as If-None-Match when set
	LastModified string // sent as If-Modified-Since when set
	Accept       string // default: feed and HTML types
}

// Response is a successful fetch (2xx or 304).
type Response struct {
	URL          string // after redirects
	PermanentURL string // the new address when the request was permanently redirected (301, 308); else ""
	Status       int
	NotModified  bool // 304: Body is empty
	Body         []byte
	ContentType  string
	ETag         string
	LastModified string
	MaxAge       time.Duration // Cache-Control max-age; 0 when absent
}

// CheckURL returns u parsed when it is an absolute http or https URL
// without credentials, else an error a user can act on.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an http(s) URL; use a full address such as https://example.com/feed.xml", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("URLs with a user name or password are not accepted; use a public feed address such as https://example.com/feed.xml")
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// Get fetches req.URL, following up to MaxRedirects redirects. Errors are
// a BlockedError, a StatusError, a timeout, a size or redirect problem, or
// a network error; none carries the response body.
func (f *Fetcher) Get(ctx context.Context, req Request) (Response, error) {
	cur := req.URL
	permanent := true
	seen := map[string]bool{}
	var out Response
	for hop := 0; ; hop++ {
		u, err := CheckURL(cur)
		if err != nil {
			return out, err
		}
		seen[u.String()] = true
		resp, hctx, release, err := f.do(ctx, u, req)
		if err != nil {
			return out, err
		}
		loc := resp.Header.Get("Location")
		if isRedirect(resp.StatusCode) && loc != "" {
			resp.Body.Close()
			release()
			next, err := u.Parse(loc)
			if err != nil {
				return out, fmt.Errorf("redirect to a bad address %q", loc)
			}
			next.Fragment, next.RawFragment = "", ""
			if seen[next.String()] {
				return out, fmt.Errorf("redirect loop at %s", next.Redacted())
			}
			if hop >= f.opt.MaxRedirects {
				return out, fmt.Errorf("more than %d redirects", f.opt.MaxRedirects)
			}
			permanent = permanent && (resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusPermanentRedirect)
			if permanent {
				out.PermanentURL = next.String()
			}
			cur = next.String()
			continue
		}
		out.URL, out.Status = u.String(), resp.StatusCode
		err = f.finish(hctx, resp, &out)
		if err != nil && ctx.Err() == nil && hctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %s", f.opt.Timeout)
		}
		release()
		return out, err
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// do sends one request once the host is free, allowing it Timeout from
// then on (waiting for the host does not count). The returned context
// bounds reading the body; release frees the host and must be called
// after the body is read.
func (f *Fetcher) do(ctx context.Context, u *url.URL, req Request) (*http.Response, context.Context, func(), error) {
	free, err := f.acquire(ctx, strings.ToLower(u.Host))
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.opt.Timeout)
	release := func() { cancel(); free() }
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		release()
		return nil, nil, nil, err
	}
	hr.Header.Set("User-Agent", f.opt.UserAgent)
	accept := req.Accept
	if accept == "" {
		accept = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
	}
	hr.Header.Set("Accept", accept)
	if req.ETag != "" {
		hr.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hr.Header.Set("If-Modified-Since", req.LastModified)
	}
	resp, err := f.client.Do(hr)
	if err != nil {
		timedOut := ctx.Err() == context.DeadlineExceeded
		release()
		if timedOut {
			return nil, nil, nil, fmt.Errorf("timed out after %s", f.opt.Timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is named by the caller
		}
		var oe *net.OpError
		if errors.As(err, &oe) && isBlocked(oe.Err) {
			err = oe.Err
		}
		return nil, nil, nil, err
	}
	return resp, ctx, release, nil
}

// finish reads a final response into out.
func (f *Fetcher) finish(ctx context.Context, resp *http.Response, out *Response) error {
	defer resp.Body.Close()
	out.ContentType = resp.Header.Get("Content-Type")
	out.MaxAge = maxAge(resp.Header.Get("Cache-Control"))
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		out.ETag, out.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		return nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
		e := &StatusError{Code: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), f.opt.Now())
		}
		return e
	}
	if resp.ContentLength > f.opt.MaxBytes {
		return fmt.Errorf("%w: %d bytes, the limit is %d", errTooLarge, resp.ContentLength, f.opt.MaxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opt.MaxBytes+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > f.opt.MaxBytes {
		return fmt.Errorf("%w: over the limit of %d bytes", errTooLarge, f.opt.MaxBytes)
	}
	out.Body = body
	out.ETag, out.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	return ctx.Err()
}

// acquire waits until no other request to host runs.
func (f *Fetcher) acquire(ctx context.Context, host string) (func(), error) {
	f.hostMu.Lock()
	s := f.hosts[host]
	if s == nil {
		s = &hostSlot{ch: make(chan struct{}, 1)}
		f.hosts[host] = s
	}
	s.users++
	f.hostMu.Unlock()
	done := func() {
		f.hostMu.Lock()
		if s.users--; s.users == 0 {
			delete(f.hosts, host)
		}
		f.hostMu.Unlock()
	}
	select {
	case s.ch <- struct{}{}:
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-s.ch
			done()
		})
	}, nil
}

// retryAfter parses a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// maxAge returns Cache-Control's max-age (s-maxage is for shared caches).
func maxAge(cc string) time.Duration {
	for _, part := range strings.Split(cc, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(k, "max-age") {
			if n, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}
