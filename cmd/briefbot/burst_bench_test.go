package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"briefbot/bot"
	"briefbot/bot/slack/slackfake"
)

// BenchmarkServeBurst drives a real `briefbot serve` child process in Slack
// HTTP mode (signing secret, bot token, a fake Slack) with a burst of
// correctly signed slash commands (`/brief ask ...`) from 20 workers, and
// measures what a burst costs the running bot:
//
//	ack-p50-ms, ack-p99-ms        the slash command's HTTP response (Slack
//	                              gives up after 3 s)
//	answer-p50-ms, answer-p99-ms  from sending the command to the first
//	                              post of its reply (response_url, or
//	                              chat.postMessage in its channel)
//	answered, busy, late          replies received; of them, how many said
//	                              the bot is busy or the answer came too late
//	idle-RSS-MB                   the serve process's resident set before
//	                              the burst
//	peak-RSS-MB, peak-above-idle-MB  its peak (VmHWM, reset before each
//	                              burst through /proc/PID/clear_refs)
//
// It is opt-in (it needs a corpus and minutes): BRIEFBOT_BENCH_BURST_CORPUS
// names a directory of .txt articles, for example written by
// ../shared/bench/gencorpus.py; BRIEFBOT_BENCH_BURST_DATA, when set, is the
// data directory to reuse between runs (indexed with `briefbot index` first;
// default a temporary one). BRIEFBOT_BENCH_BURST_SIZES lists the bursts
// (default "200,2000"). Each op is one burst; run with -benchtime 1x and
// -count for medians:
//
//	python3 ../shared/bench/gencorpus.py /tmp/corpus-100k 100000
//	BRIEFBOT_BENCH_BURST_CORPUS=/tmp/corpus-100k BRIEFBOT_BENCH_BURST_DATA=/tmp/bb-burst-100k \
//	  go test -run xxx -bench ServeBurst -benchtime 1x -count 3 -timeout 1h ./cmd/briefbot/
func BenchmarkServeBurst(b *testing.B) {
	corpusDir := os.Getenv("BRIEFBOT_BENCH_BURST_CORPUS")
	if corpusDir == "" {
		b.Skip("set BRIEFBOT_BENCH_BURST_CORPUS to a directory of .txt articles (../shared/bench/gencorpus.py DIR N)")
	}
	sizes := []int{200, 2000}
	if s := os.Getenv("BRIEFBOT_BENCH_BURST_SIZES"); s != "" {
		sizes = nil
		for f := range strings.SplitSeq(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				b.Fatalf("BRIEFBOT_BENCH_BURST_SIZES=%q: want burst sizes separated by commas, e.g. 200,2000", s)
			}
			sizes = append(sizes, n)
		}
	}
	dataDir := os.Getenv("BRIEFBOT_BENCH_BURST_DATA")
	if dataDir == "" {
		dataDir = b.TempDir()
	}
	bin := filepath.Join(b.TempDir(), "briefbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	start := time.Now()
	if out, err := exec.Command(bin, "index", "--corpus", corpusDir, "--data", dataDir).CombinedOutput(); err != nil {
		b.Fatalf("briefbot index: %v\n%s", err, out)
	}
	b.Logf("index (or update) of %s: %s", corpusDir, time.Since(start).Round(time.Millisecond))

	s := startServeProcess(b, bin, corpusDir, dataDir)
	questions := burstQuestions(b, corpusDir, 500)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("commands=%d", n), func(b *testing.B) {
			var last burstResult
			for b.Loop() {
				last = s.burst(b, n, 20, questions)
			}
			last.report(b)
		})
	}
}

// serveProcess is a running `briefbot serve` child and its fake Slack.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	fake *slackfake.Server
	seq  atomic.Int64 // command ids, from the start time: a reused data directory remembers ids
}

func startServeProcess(b *testing.B, bin, corpusDir, dataDir string) *serveProcess {
	b.Helper()
	fake := slackfake.New(b, slackfake.Options{BotToken: slackToken})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BRIEFBOT_") && !strings.HasPrefix(kv, "SLACK_") && !strings.HasPrefix(kv, "DISCORD_") && !strings.HasPrefix(kv, "OPENAI_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"BRIEFBOT_CORPUS_DIR="+corpusDir, "BRIEFBOT_DATA_DIR="+dataDir, "BRIEFBOT_HTTP_ADDR="+addr,
		"SLACK_SIGNING_SECRET="+slackSecret, "SLACK_BOT_TOKEN="+slackToken, "SLACK_API_URL="+fake.APIURL())
	logs := &syncWriter{w: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = logs, logs
	started := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			<-done
		}
	})
	s := &serveProcess{cmd: cmd, base: "http://" + addr, fake: fake}
	s.seq.Store(started.UnixNano())
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			b.Fatalf("serve stopped: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Since(started) > 10*time.Minute {
			b.Fatalf("serve not healthy after 10 minutes\n%s", logs.String())
		}
	}
	b.Logf("serve healthy after %s, RSS %.0f MB", time.Since(started).Round(time.Millisecond), s.status(b, "VmRSS"))
	return s
}

// status returns a field of /proc/PID/status in MB.
func (s *serveProcess) status(b *testing.B, field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("read the serve process's status (Linux only): %v", err)
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB`).FindSubmatch(raw)
	if m == nil {
		b.Fatalf("no %s in /proc/PID/status", field)
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1024
}

// burstResult is what one burst measured.
type burstResult struct {
	ack, answer                []time.Duration
	answered, busy, late, sent int
	idleRSS, peakRSS           float64
}

func (r burstResult) report(b *testing.B) {
	slices.Sort(r.ack)
	slices.Sort(r.answer)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(r.ack, 50)), "ack-p50-ms")
	b.ReportMetric(ms(percentile(r.ack, 99)), "ack-p99-ms")
	b.ReportMetric(ms(percentile(r.answer, 50)), "answer-p50-ms")
	b.ReportMetric(ms(percentile(r.answer, 99)), "answer-p99-ms")
	b.ReportMetric(float64(r.answered), "answered")
	b.ReportMetric(float64(r.busy), "busy")
	b.ReportMetric(float64(r.late), "late")
	b.ReportMetric(r.idleRSS, "idle-RSS-MB")
	b.ReportMetric(r.peakRSS, "peak-RSS-MB")
	b.ReportMetric(r.peakRSS-r.idleRSS, "peak-above-idle-MB")
	b.ReportMetric(0, "ns/op")
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, (len(sorted)*p+99)/100-1)]
}

// burst sends n commands from workers goroutines at once and waits for
// every reply; it fails b when a command is not acknowledged with 200 or
// not answered within the answer timeout.
func (s *serveProcess) burst(b *testing.B, n, workers int, questions []string) burstResult {
	b.StopTimer()
	// Reset the peak resident set, so VmHWM is this burst's peak.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0); err != nil {
		b.Fatalf("reset the serve process's peak RSS: %v", err)
	}
	r := burstResult{idleRSS: s.status(b, "VmRSS"), sent: n}
	b.StartTimer()

	ids := make([]string, n)
	sent := make([]time.Time, n)
	first := s.seq.Add(int64(n)) - int64(n)
	byKey := map[string]int{}
	for i := range ids {
		ids[i] = fmt.Sprintf("b%d", first+int64(i)) // unique: the data directory remembers trigger ids an hour
		byKey[ids[i]] = i
		byKey["C"+strings.ToUpper(ids[i])] = i
	}
	var mu sync.Mutex // guards sent
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	acks := make([]time.Duration, n)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				form := url.Values{"command": {"/brief"}, "text": {"ask " + questions[i%len(questions)]},
					"response_url": {s.fake.ResponseURL(ids[i])}, "channel_id": {"C" + strings.ToUpper(ids[i])},
					"user_id": {"U1"}, "team_id": {"T1"}, "trigger_id": {ids[i]}}
				body := form.Encode()
				req, _ := http.NewRequest(http.MethodPost, s.base+"/slack/commands", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				t0 := time.Now()
				slackfake.Sign(req, body, slackSecret, t0)
				mu.Lock()
				sent[i] = t0
				mu.Unlock()
				resp, err := client.Do(req)
				if err != nil {
					errs <- fmt.Errorf("command %s: %w", ids[i], err)
					return
				}
				resp.Body.Close()
				acks[i] = time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("command %s: %s", ids[i], resp.Status)
					return
				}
			}
		})
	}

	// Watch the fake's posts: a command's reply is the first post on its
	// response_url or in its channel.
	answered := make([]bool, n)
	from, lastCalls := len(s.fake.Posts()), -1
	deadline := time.Now().Add(6 * time.Minute) // the answer timeout is 5 minutes
	for r.answered < n {
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d commands answered after 6 minutes", r.answered, n)
		}
		// Copy the fake's posts only when calls arrived: copying them all
		// every few milliseconds would take the CPU the bot is measured on.
		calls := s.fake.Calls("response_url") + s.fake.Calls("chat.postMessage") + s.fake.Calls("chat.postEphemeral")
		if calls == lastCalls {
			time.Sleep(5 * time.Millisecond) // the answer times' resolution
			continue
		}
		lastCalls = calls
		posts := s.fake.Posts()
		now := time.Now()
		for _, p := range posts[from:] {
			i, ok := byKey[p.Hook]
			if !ok {
				i, ok = byKey[p.Channel]
			}
			if !ok || answered[i] {
				continue
			}
			answered[i] = true
			r.answered++
			mu.Lock()
			r.answer = append(r.answer, now.Sub(sent[i]))
			mu.Unlock()
			text := p.Text + strings.Join(p.BlockTexts(), "\n")
			switch {
			case strings.Contains(text, bot.Busy().Title):
				r.busy++
			case strings.Contains(text, bot.TooLate().Title):
				r.late++
			}
		}
		from = len(posts)
	}
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	b.StopTimer()
	r.ack = acks
	r.peakRSS = s.status(b, "VmHWM")
	// Let the replies that continue in threads finish before the next burst.
	time.Sleep(time.Second)
	b.StartTimer()
	return r
}

// burstQuestions returns n questions in the forms users type, from the
// words of the corpus's first articles.
func burstQuestions(b *testing.B, corpusDir string, n int) []string {
	b.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		b.Fatal(err)
	}
	var words []string
	for _, e := range entries[:min(len(entries), 50)] {
		f, err := os.Open(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Split(bufio.ScanWords)
		for sc.Scan() {
			w := strings.ToLower(strings.Trim(sc.Text(), ".,;:!?\"'()"))
			if len(w) >= 4 {
				words = append(words, w)
			}
		}
		f.Close()
	}
	if len(words) == 0 {
		b.Fatalf("no words in the first articles of %s", corpusDir)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	forms := []string{"what did sources say about %s %s?", "%s %s %s", "how did %s affect %s?", "what is %s %s", "%s"}
	qs := make([]string, n)
	for i := range qs {
		form := forms[rng.IntN(len(forms))]
		args := []any{words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))]}
		qs[i] = fmt.Sprintf(form, args[:strings.Count(form, "%s")]...)
	}
	return qs
}
