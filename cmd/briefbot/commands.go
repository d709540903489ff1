package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"briefbot/bot"
	"briefbot/briefing"
	"briefbot/config"
)

func cmdAsk(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var c common
	fs := newFlags("ask", stderr, &c)
	k := fs.Int("k", 5, "passages to return (1-50)")
	asJSON := fs.Bool("json", false, "print JSON: {question, passages, answer, summarized_by}")
	extractive := fs.Bool("extractive", false, "never summarise with the LLM, even when one is configured")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *k < 1 || *k > 50 {
		return usageError{fmt.Sprintf("ask: --k %d is out of range; use 1 to 50", *k)}
	}
	question := strings.Join(fs.Args(), " ")
	if fs.NArg() > 0 {
		if _, err := briefing.CheckQuestion(question); err != nil {
			return usageError{"ask: " + err.Error()}
		}
	}
	cfg, err := c.load(getenv)
	if err != nil {
		return err
	}
	opt, err := llmOptions(cfg, *extractive, nil, cliLog(stderr))
	if err != nil {
		return err
	}
	lib, st, _, err := openLibrary(ctx, cfg, stderr, opt, false)
	if err != nil {
		return err
	}
	defer st.Close()
	defer lib.Close() // waits for a background merge of the index
	loadEmbeddings(ctx, lib, cfg, stderr)
	answer := func(q string) error {
		ans, err := lib.Ask(ctx, q, briefing.AskOptions{K: *k, Extractive: *extractive})
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(toJSON(ans))
		}
		_, err = io.WriteString(stdout, bot.PlainText(bot.AnswerReply(ans)))
		return err
	}
	if fs.NArg() > 0 {
		return answer(question)
	}
	// One question a line from stdin, all in this process.
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	bad := 0
	first := true
	for sc.Scan() {
		q := strings.TrimSpace(sc.Text())
		if q == "" {
			continue
		}
		if _, err := briefing.CheckQuestion(q); err != nil {
			bad++
			fmt.Fprintln(stderr, "briefbot: ask:", err)
			if *asJSON {
				json.NewEncoder(stdout).Encode(jsonAnswer{Question: bot.Shorten(q, 80), Passages: []jsonPassage{}, Error: err.Error()})
			}
			continue
		}
		if !*asJSON && !first {
			fmt.Fprintln(stdout, "---")
		}
		first = false
		if err := answer(q); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("ask: read questions: %w", err)
	}
	if bad > 0 {
		return usageError{fmt.Sprintf("ask: %d question(s) could not be answered (see above)", bad)}
	}
	return nil
}

func cmdDigest(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c common
	fs := newFlags("digest", stderr, &c)
	since := fs.String("since", "24h", "what is new since: a duration (90m, 24h, 7d) or a date (2025-02-01, RFC 3339)")
	topic := fs.String("topic", "", "only material about this topic, e.g. \"export controls\"")
	asJSON := fs.Bool("json", false, "print JSON")
	extractive := fs.Bool("extractive", false, "never summarise with the LLM")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("digest: unexpected argument %q; use --topic TEXT for a topic", fs.Arg(0))}
	}
	cfg, err := c.load(getenv)
	if err != nil {
		return err
	}
	now := time.Now()
	from, err := parseSince(*since, now, cfg.Timezone)
	if err != nil {
		return err
	}
	opt, err := llmOptions(cfg, *extractive, nil, cliLog(stderr))
	if err != nil {
		return err
	}
	lib, st, _, err := openLibrary(ctx, cfg, stderr, opt, false)
	if err != nil {
		return err
	}
	defer st.Close()
	defer lib.Close() // waits for a background merge of the index
	d, err := lib.Digest(ctx, briefing.DigestRequest{Since: from, Until: time.Now(), Topic: *topic})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(digestJSON(d))
	}
	_, err = io.WriteString(stdout, bot.PlainText(bot.DigestReply(d, cfg.Timezone)))
	return err
}

// parseSince reads --since: a duration back from now, or a date/time.
func parseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if n, unit, ok := strings.Cut(s, "d"); ok && unit == "" {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && days > 0 && fmt.Sprint(days) == n {
			return now.AddDate(0, 0, -days), nil
		}
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if t.After(now) {
				return t, usageError{fmt.Sprintf("digest: --since %s is in the future", s)}
			}
			return t, nil
		}
	}
	return time.Time{}, usageError{fmt.Sprintf("digest: --since %q is not a duration (90m, 24h, 7d) or a date (2025-02-01, 2025-02-01T08:00:00Z)", s)}
}

type jsonArticle struct {
	Doc       string `json:"doc"`
	Title     string `json:"title"`
	Source    string `json:"source"`
	Published string `json:"published"`
	URL       string `json:"url"`
}

func articleJSON(a briefing.Article) jsonArticle {
	return jsonArticle{Doc: a.ID, Title: a.Label(), Source: a.Source, Published: a.Date(), URL: a.URL}
}

func digestJSON(d briefing.Digest) any {
	type item struct {
		jsonArticle
		Summary string        `json:"summary"`
		Also    []jsonArticle `json:"also"`
	}
	type theme struct {
		Phrase string   `json:"phrase"`
		Docs   []string `json:"docs"`
	}
	out := struct {
		Since        time.Time `json:"since"`
		Until        time.Time `json:"until"`
		Topic        string    `json:"topic"`
		Articles     int       `json:"articles"`
		Sources      int       `json:"sources"`
		Themes       []theme   `json:"themes"`
		Items        []item    `json:"items"`
		Overview     string    `json:"overview"`
		SummarizedBy string    `json:"summarized_by"`
	}{Since: d.Since, Until: d.Until, Topic: d.Topic, Articles: d.Articles, Sources: d.Sources,
		Themes: []theme{}, Items: []item{}, Overview: d.Overview, SummarizedBy: d.SummarizedBy}
	for _, th := range d.Themes {
		t := theme{Phrase: th.Phrase}
		for _, a := range th.Articles {
			t.Docs = append(t.Docs, a.ID)
		}
		out.Themes = append(out.Themes, t)
	}
	for _, it := range d.Items {
		var quotes []string
		for _, q := range it.Summary {
			quotes = append(quotes, q.Text)
		}
		x := item{jsonArticle: articleJSON(it.Article), Summary: strings.Join(quotes, " "), Also: []jsonArticle{}}
		for _, a := range it.Also {
			x.Also = append(x.Also, articleJSON(a))
		}
		out.Items = append(out.Items, x)
	}
	return out
}

func cmdSources(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c common
	fs := newFlags("sources", stderr, &c)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("sources: unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := c.load(getenv)
	if err != nil {
		return err
	}
	lib, st, _, err := openLibrary(ctx, cfg, stderr, briefing.Options{}, false)
	if err != nil {
		return err
	}
	defer st.Close()
	defer lib.Close() // waits for a background merge of the index
	arts, err := lib.Articles(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]jsonArticle, len(arts))
		for i, a := range arts {
			out[i] = articleJSON(a)
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintf(stdout, "%d articles\n", len(arts))
	for _, a := range arts {
		line := fmt.Sprintf("%s  %s", a.ID, a.Label())
		if m := bot.ArticleMeta(a); m != "" {
			line += " · " + m
		}
		if a.URL != "" {
			line += " · " + a.URL
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

func cmdIndex(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c common
	fs := newFlags("index", stderr, &c)
	prune := fs.Bool("prune", false, "delete the articles of vanished files even when most of the folder vanished at once")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("index: unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := c.load(getenv)
	if err != nil {
		return err
	}
	start := time.Now()
	opt := briefing.Options{Prune: *prune, FullScan: true, Log: cliLog(stderr)}
	if err := embedOptions(cfg, &opt); err != nil {
		return err
	}
	lib, st, ch, err := openLibrary(ctx, cfg, stderr, opt, true)
	if err != nil {
		return err
	}
	defer st.Close()
	defer lib.Close()                             // waits for a background merge of the index
	defer embedAll(ctx, lib, cfg, stdout, stderr) // after the offline index is reported
	fmt.Fprintf(stdout, "indexed %s: %d added, %d changed, %d deleted, %d unchanged, %d skipped in %s\n",
		corpusName(cfg), ch.Added, ch.Changed, ch.Deleted, ch.Unchanged, len(ch.Skipped), time.Since(start).Round(time.Millisecond))
	if ch.Kept > 0 {
		fmt.Fprintf(stdout, "kept %d articles whose files vanished with most of the folder; if they are gone for good: briefbot index --prune\n", ch.Kept)
	}
	if ch.Full > 0 {
		fmt.Fprintf(stdout, "%d articles did not fit: the disk or database is full; free space and run briefbot index again\n", ch.Full)
	}
	// The overview an empty answer carries, ready for the next process.
	if err := lib.PrepareOverview(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "briefbot: the corpus overview was not prepared (the first question the corpus has nothing on computes it): %v\n", err)
	}
	return nil
}

func corpusName(cfg config.Config) string {
	if cfg.CorpusDir == "" {
		return "the embedded sample corpus"
	}
	return cfg.CorpusDir
}
