package briefing_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"briefbot/briefing"
	"briefbot/briefing/llm"
	"briefbot/briefing/llm/llmtest"
	"briefbot/briefing/store"
)

// denseKey is the API key of the embeddings tests: it must never be logged.
const denseKey = "sk-dense-test-key-0123456789abcdef"

// denseCorpus is a small corpus of invented articles, each of a few
// sections (so a few passages).
func denseCorpus() fstest.MapFS {
	return fstest.MapFS{
		"rail.md": {Data: []byte("# Rail walkout halts commuter trains\n\n" +
			"Train drivers walked out across the country on Monday, halting commuter services for a second day as the union pressed its claim for higher pay and shorter rosters.\n\n" +
			"## What the operators said\n\n" +
			"The operators said they had offered a raise in line with inflation and called the walkout reckless, urging the union to return to talks before the holiday timetable begins.\n")},
		"wind.md": {Data: []byte("# Offshore wind farm bill climbs\n\n" +
			"The developer of the offshore wind farm said its bill would be far higher than planned after turbine prices rose sharply and the cost of steel for the foundations doubled.\n\n" +
			"## Consumers\n\n" +
			"Households will meet part of the extra spending through their electricity tariffs, the regulator warned, although it said the farm would still lower prices over its lifetime.\n")},
		"cup.md": {Data: []byte("# Home side lifts the cup\n\n" +
			"The home side won the cup final after extra time, its captain heading in a corner in the last minute as thousands of supporters sang in the rain at the packed stadium.\n")},
	}
}

// denseConcepts is the fake model's meaning: words of one group share a
// dimension, so "locomotive stoppage" is about a train drivers' walkout
// although it shares no word with the article.
func denseConcepts() func(string) []float32 {
	return llmtest.Concepts(
		[]string{"train", "rail", "locomotive", "commuter", "driver", "operator"},
		[]string{"walk", "strike", "stoppage", "union", "roster"},
		[]string{"wind", "turbine", "offshore"},
		[]string{"cost", "bill", "price", "spending", "expens"},
		[]string{"cup", "football", "captain", "stadium"},
	)
}

// paraphrase shares no word with the rail article (nor, offline, a synonym).
const paraphrase = "are locomotive stoppages spreading?"

// denseLib opens a library over denseCorpus in dir, with an embedder on
// srvURL when it is not "".
func denseLib(t testing.TB, dir, srvURL string, reg prometheus.Registerer, log *slog.Logger, eo briefing.EmbedOptions) (*briefing.Library, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opt := briefing.Options{Corpus: denseCorpus(), Registerer: reg, Log: log, Embed: eo}
	if srvURL != "" {
		e, err := llm.NewEmbedder(llm.Config{APIKey: denseKey, BaseURL: srvURL, Model: "fake-embed"})
		if err != nil {
			t.Fatal(err)
		}
		opt.Embedder = e
	}
	lib, _, err := briefing.Open(ctx, st, opt)
	if err != nil {
		t.Fatal(err)
	}
	return lib, st
}

func docs(ans briefing.Answer) []string {
	var out []string
	for _, p := range ans.Passages {
		out = append(out, p.Article.ID)
	}
	return out
}

func ask(t *testing.T, lib *briefing.Library, q string) briefing.Answer {
	t.Helper()
	ans, err := lib.Ask(context.Background(), q, briefing.AskOptions{})
	if err != nil {
		t.Fatalf("ask %q: %v", q, err)
	}
	return ans
}

// TestDenseFindsAParaphrase: a question worded unlike the article finds it
// through the vectors only, and an off-topic question stays empty.
func TestDenseFindsAParaphrase(t *testing.T) {
	ctx := context.Background()
	offline, _ := denseLib(t, t.TempDir(), "", nil, nil, briefing.EmbedOptions{})
	if got := docs(ask(t, offline, paraphrase)); len(got) != 0 {
		t.Fatalf("offline, %q found %v: the test needs a paraphrase only the vectors find", paraphrase, got)
	}

	srv := llmtest.NewServer(t)
	srv.EmbedWith(denseConcepts())
	lib, _ := denseLib(t, t.TempDir(), srv.URL, nil, nil, briefing.EmbedOptions{Interval: -1})
	if srv.Calls() != 0 {
		t.Errorf("Open made %d embeddings requests: the offline index must not wait for them", srv.Calls())
	}
	if got := docs(ask(t, lib, paraphrase)); len(got) != 0 || srv.Calls() != 0 {
		t.Errorf("before the passages are embedded, %q found %v (%d requests)", paraphrase, got, srv.Calls())
	}
	if _, err := lib.Embed(ctx); err != nil {
		t.Fatal(err)
	}
	ans := ask(t, lib, paraphrase)
	if got := docs(ans); len(got) == 0 || got[0] != "rail" {
		t.Errorf("with embeddings, %q found %v; want the rail article first", paraphrase, got)
	}
	if len(ans.Groups) == 0 || len(ans.Citations) == 0 {
		t.Errorf("a dense answer is composed like any other: %+v", ans)
	}
	for _, q := range []string{"what is a good recipe for sourdough bread?", "who won the chess olympiad?",
		// About a name the corpus lacks: the vectors (train drivers, walkout)
		// must not overrule the offline "nothing".
		"What did Nokia say about the train drivers' walkout?"} {
		if got := docs(ask(t, lib, q)); len(got) != 0 {
			t.Errorf("off-topic %q found %v", q, got)
		}
	}
	// A question the words answer is answered as before, best first.
	if got := docs(ask(t, lib, "what did sources say about the offshore wind farm?")); len(got) == 0 || got[0] != "wind" {
		t.Errorf("direct question: %v", got)
	}
}

// TestEmbedBatchesAndCaches: passages are embedded in batches; a second
// index of the same corpus (even from a rebuilt index) embeds nothing; a
// changed passage is embedded alone.
func TestEmbedBatchesAndCaches(t *testing.T) {
	ctx := context.Background()
	srv := llmtest.NewServer(t)
	srv.EmbedWith(denseConcepts())
	dir := t.TempDir()
	lib, st := denseLib(t, dir, srv.URL, nil, nil, briefing.EmbedOptions{Batch: 2, Interval: -1})
	refs, err := st.PassageRefs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := len(refs)
	if n < 4 {
		t.Fatalf("the corpus has %d passages; the test needs a few batches", n)
	}
	stats, err := lib.Embed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (n + 1) / 2; srv.Calls() != want || stats.Requests != want || stats.Embedded != n || stats.Vectors != n {
		t.Errorf("first pass: %d requests (stats %+v) for %d passages in batches of 2; want %d", srv.Calls(), stats, n, want)
	}
	for _, r := range srv.Requests() {
		if len(r.Embeddings.Input) > 2 || r.Embeddings.Model != "fake-embed" || r.Authorization != "Bearer "+denseKey {
			t.Errorf("request: %d inputs, model %q", len(r.Embeddings.Input), r.Embeddings.Model)
		}
	}
	st.Close()

	// Reopened, with the index file gone (rebuilt from the store): cached.
	if err := os.Remove(filepath.Join(dir, briefing.IndexFile)); err != nil {
		t.Fatal(err)
	}
	before := srv.Calls()
	lib2, st2 := denseLib(t, dir, srv.URL, nil, nil, briefing.EmbedOptions{Batch: 2, Interval: -1})
	stats, err = lib2.Embed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Calls() != before || stats.Cached != n || stats.Vectors != n {
		t.Errorf("second index: %d requests, stats %+v; want none, all %d cached", srv.Calls()-before, stats, n)
	}
	if got := docs(ask(t, lib2, paraphrase)); len(got) == 0 || got[0] != "rail" {
		t.Errorf("from cached vectors, %q found %v", paraphrase, got)
	}
	st2.Close()

	// One passage changes: only its text is embedded. The library follows
	// the folder (here: a new corpus whose cup article says more).
	fs := denseCorpus()
	fs["cup.md"] = &fstest.MapFile{Data: []byte(strings.Replace(string(fs["cup.md"].Data), "in the rain", "in the driving rain", 1)), ModTime: time.Now()}
	before = srv.Calls()
	st3, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st3.Close()
	e, err := llm.NewEmbedder(llm.Config{BaseURL: srv.URL, Model: "fake-embed"})
	if err != nil {
		t.Fatal(err)
	}
	lib3, ch, err := briefing.Open(ctx, st3, briefing.Options{Corpus: fs, Embedder: e, Embed: briefing.EmbedOptions{Interval: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Changed != 1 {
		t.Fatalf("changes: %+v", ch)
	}
	stats, err = lib3.Embed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()[before:]
	if len(reqs) != 1 || len(reqs[0].Embeddings.Input) != 1 || !strings.Contains(reqs[0].Embeddings.Input[0], "driving rain") || stats.Embedded != 1 {
		t.Errorf("after one passage changed: %d requests (%v), stats %+v; want one request for that passage", len(reqs), srv.Inputs()[len(srv.Inputs())-min(len(srv.Inputs()), 3):], stats)
	}
	if stats.Vectors != n {
		t.Errorf("vectors held: %d, want %d (the old passage's dropped)", stats.Vectors, n)
	}
}

// TestDenseFailuresFallBackOffline: whatever goes wrong with the endpoint,
// a question gets the offline answer, a metric counts it, and the log
// never shows the key.
func TestDenseFailuresFallBackOffline(t *testing.T) {
	ctx := context.Background()
	good := llmtest.NewServer(t)
	good.EmbedWith(denseConcepts())
	dir := t.TempDir()
	seed, st := denseLib(t, dir, good.URL, nil, nil, briefing.EmbedOptions{Interval: -1})
	if _, err := seed.Embed(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	offline, _ := denseLib(t, t.TempDir(), "", nil, nil, briefing.EmbedOptions{})
	direct := "what did sources say about the offshore wind farm?"
	want := docs(ask(t, offline, direct))

	down := httptest.NewServer(nil)
	down.Close()
	for _, tc := range []struct {
		name, reason string
		indexReason  string // when not reason
		url          func() string
		reply        llmtest.Reply
	}{
		{"connection refused", "unreachable", "", func() string { return down.URL + "/v1" }, llmtest.Reply{}},
		{"500", "server_error", "", nil, llmtest.Reply{Status: 500, Content: "model crashed"}},
		{"401 echoing the key", "unauthorized", "", nil, llmtest.Reply{Status: 401, Content: "Incorrect API key provided: " + denseKey}},
		{"slow", "timeout", "", nil, llmtest.Reply{Hang: true}},
		{"wrong dimensions", "dimensions", "bad_reply", nil, llmtest.Reply{Vectors: [][]float32{{1, 0, 0}}}}, // one vector for a batch
		{"garbage JSON", "bad_reply", "", nil, llmtest.Reply{Body: "<html>gateway</html>"}},
		{"no vectors", "bad_reply", "", nil, llmtest.Reply{Body: `{"object":"list","data":[],"model":"fake-embed"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := ""
			if tc.url != nil {
				url = tc.url()
			} else {
				url = llmtest.NewServer(t, tc.reply).URL
			}
			reg := prometheus.NewRegistry()
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			// Only the slow endpoint meets its deadline: a short one for it,
			// a long one for the others, however loaded the machine.
			deadline := 30 * time.Second
			if tc.reason == "timeout" {
				deadline = 50 * time.Millisecond
			}
			lib, _ := denseLib(t, dir, url, reg, log, briefing.EmbedOptions{QueryTimeout: deadline, Interval: -1})
			stats, err := lib.LoadEmbeddings(ctx) // the vectors are cached: no request
			if err != nil || stats.Vectors == 0 {
				t.Fatalf("load cached vectors: %+v, %v", stats, err)
			}
			if got := docs(ask(t, lib, direct)); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("direct question: %v, offline %v", got, want)
			}
			if got := docs(ask(t, lib, paraphrase)); len(got) != 0 {
				t.Errorf("paraphrase answered without the endpoint: %v", got)
			}
			if n := counter(t, reg, "briefbot_embed_failures_total", map[string]string{"stage": "query", "reason": tc.reason}); n != 1 {
				t.Errorf("query failures{reason=%s} = %v, want 1 (the second question does not retry at once)", tc.reason, n)
			}
			if strings.Contains(logs.String(), denseKey) {
				t.Errorf("the key was logged: %s", logs.String())
			}
			if !strings.Contains(logs.String(), "offline ranking") || strings.Count(logs.String(), "embeddings unavailable") != 1 {
				t.Errorf("want one log line: %s", logs.String())
			}

			// The index stage fails the same way on passages not cached.
			lib2, _ := denseLib(t, t.TempDir(), url, reg, log, briefing.EmbedOptions{RequestTimeout: deadline, Interval: -1})
			if _, err := lib2.Embed(ctx); err == nil || strings.Contains(err.Error(), denseKey) {
				t.Errorf("index pass: error %v", err)
			}
			reason := tc.reason
			if tc.indexReason != "" {
				reason = tc.indexReason
			}
			if n := counter(t, reg, "briefbot_embed_failures_total", map[string]string{"stage": "index", "reason": reason}); n != 1 {
				t.Errorf("index failures{reason=%s} = %v, want 1", reason, n)
			}
			if got := docs(ask(t, lib2, direct)); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("direct question after a failed pass: %v, offline %v", got, want)
			}
		})
	}
}

// counter returns the value of the counter name with exactly labels in
// reg, 0 when there is none.
func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestRunEmbedderEmbedsInTheBackground: the background pass embeds the
// corpus after Open, and returns when its context is cancelled.
func TestRunEmbedderEmbedsInTheBackground(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.EmbedWith(denseConcepts())
	lib, st := denseLib(t, t.TempDir(), srv.URL, nil, nil, briefing.EmbedOptions{Interval: -1, Poll: time.Millisecond})
	refs, err := st.PassageRefs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		lib.RunEmbedder(ctx)
	}()
	for len(srv.Inputs()) < len(refs) {
		select {
		case <-done:
			t.Fatal("RunEmbedder returned before it was stopped")
		case <-time.After(time.Millisecond):
		}
	}
	// Once embedded, the paraphrase is found (the pass commits, then adds
	// the batch to memory: wait for that too).
	for got := docs(ask(t, lib, paraphrase)); len(got) == 0; got = docs(ask(t, lib, paraphrase)) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}

// TestLoadEmbeddingsInBulk: a library over more passages than are looked
// up one batch at a time loads its cached vectors in one pass.
func TestLoadEmbeddingsInBulk(t *testing.T) {
	ctx := context.Background()
	fs := fstest.MapFS{}
	para := strings.Repeat("The committee met again on the harbour plan and heard from residents, engineers and traders about costs, dates and the traffic it would bring. ", 2)
	for i := range 300 {
		var b strings.Builder
		fmt.Fprintf(&b, "# Harbour plan, part %d\n\n", i)
		for s := range 4 {
			fmt.Fprintf(&b, "## Section %d\n\nMeeting %d, item %d. %s\n\n", s, i, s, para)
		}
		fs[fmt.Sprintf("a%03d.md", i)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	srv := llmtest.NewServer(t)
	srv.EmbedWith(denseConcepts())
	dir := t.TempDir()
	open := func() (*briefing.Library, *store.Store) {
		st, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		e, err := llm.NewEmbedder(llm.Config{BaseURL: srv.URL, Model: "fake-embed"})
		if err != nil {
			t.Fatal(err)
		}
		lib, _, err := briefing.Open(ctx, st, briefing.Options{Corpus: fs, Embedder: e, Embed: briefing.EmbedOptions{Interval: -1}})
		if err != nil {
			t.Fatal(err)
		}
		return lib, st
	}
	lib, st := open()
	refs, err := st.PassageRefs(ctx)
	if err != nil || len(refs) <= 1024 {
		t.Fatalf("%d passages (%v): the test needs more than are looked up by id", len(refs), err)
	}
	if stats, err := lib.Embed(ctx); err != nil || stats.Vectors != len(refs) {
		t.Fatalf("embed: %+v, %v", stats, err)
	}
	before := srv.Calls()
	lib2, _ := open()
	stats, err := lib2.LoadEmbeddings(ctx)
	if err != nil || stats.Cached != len(refs) || stats.Vectors != len(refs) || srv.Calls() != before {
		t.Errorf("load: %+v, %v, %d requests; want all %d cached", stats, err, srv.Calls()-before, len(refs))
	}
}
