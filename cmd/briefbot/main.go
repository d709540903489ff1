// Command briefbot answers "what did sources say about X?" from a folder of
// news articles with verbatim, cited passages, builds digests of what is new,
// and serves both in Slack and Discord. main only parses flags, reads the
// environment and wires the packages together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // zone names work in images without zoneinfo

	"golang.org/x/term"

	"briefbot/bot"
	"briefbot/briefing"
	"briefbot/briefing/corpus"
	"briefbot/briefing/store"
	"briefbot/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

const usage = `briefbot: cited answers and digests from a folder of news articles.

Usage:
  briefbot ask [--corpus DIR] [--data DIR] [--k N] [--json] [--extractive] [QUESTION]
      With no QUESTION, reads one question a line from standard input.
  briefbot digest [--since DURATION|DATE] [--topic TEXT] [--json]
  briefbot sources [--json]
  briefbot index
  briefbot feeds add URL... | remove ID | list | import FILE.opml | export | poll
  briefbot serve
  briefbot version

Every command takes --corpus DIR (default: BRIEFBOT_CORPUS_DIR, else the
embedded sample corpus) and --data DIR (default: BRIEFBOT_DATA_DIR, else ./data).
Flags may come before or after the arguments; after -- everything is an
argument (a question that starts with a dash).

Example:
  briefbot ask "what did sources say about export controls?"
`

// exitUsage is the exit code for bad input.
const exitUsage = 2

// usageError is bad input: printed as one line, exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is main without the process: it returns the exit code. getenv nil
// means the process environment plus an optional .env file.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	if getenv == nil {
		env, err := config.Environ(".env")
		if err != nil {
			fmt.Fprintln(stderr, "briefbot:", err)
			return exitUsage
		}
		getenv = env
	}
	// No configured secret reaches the terminal or the log (redact.go).
	stdout, stderr = redacting(stdout, secretsOf(getenv)), redacting(stderr, secretsOf(getenv))
	cmd, args := args[0], args[1:]
	var err error
	switch cmd {
	case "ask":
		err = cmdAsk(ctx, args, stdin, stdout, stderr, getenv)
	case "digest":
		err = cmdDigest(ctx, args, stdout, stderr, getenv)
	case "sources":
		err = cmdSources(ctx, args, stdout, stderr, getenv)
	case "index":
		err = cmdIndex(ctx, args, stdout, stderr, getenv)
	case "feeds":
		err = cmdFeeds(ctx, args, stdout, stderr, getenv)
	case "serve":
		err = cmdServe(ctx, args, stderr, getenv)
	case "health":
		err = cmdHealth(ctx, args, stdout, getenv)
	case "version":
		fmt.Fprintln(stdout, "briefbot", buildVersion())
		return 0
	default:
		err = usageError{fmt.Sprintf("unknown command %q; use ask, digest, sources, index, feeds, serve or version (briefbot --help)", cmd)}
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "briefbot:", ue.msg)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "briefbot:", err)
		return 1
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// common holds the flags every command shares.
type common struct {
	corpus, data string
}

// flagSet is a command's flags; -h help goes to help. Its Args, NArg and
// Arg are the positional arguments found among the flags (see args.go).
type flagSet struct {
	*flag.FlagSet
	help io.Writer
	pos  []string
}

func newFlags(name string, stderr io.Writer, c *common) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.corpus, "corpus", "", "folder of .txt, .md and .html articles (env BRIEFBOT_CORPUS_DIR; default: the embedded sample)")
	fs.StringVar(&c.data, "data", "", "where state and the index live (env BRIEFBOT_DATA_DIR; default ./data)")
	fs.Usage = func() {} // errors are one line; -h prints the flags (parseFlags)
	return &flagSet{FlagSet: fs, help: stderr}
}

// parseFlags parses args, flags and positional arguments in any order (see
// interleaved), turning flag errors into one-line usage errors.
func parseFlags(fs *flagSet, args []string) error {
	err := fs.interleaved(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(fs.help, "Usage of briefbot %s:\n", fs.Name())
		fs.SetOutput(fs.help)
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageError{fmt.Sprintf("%s: %v (briefbot %s --help lists the flags)", fs.Name(), err, fs.Name())}
	}
	return nil
}

// env applies the shared flags over getenv (a flag wins) and loads the
// configuration.
func (c common) load(getenv func(string) string) (config.Config, error) {
	over := map[string]string{}
	if c.corpus != "" {
		over["BRIEFBOT_CORPUS_DIR"] = c.corpus
	}
	if c.data != "" {
		over["BRIEFBOT_DATA_DIR"] = c.data
	}
	cfg, err := config.Load(func(k string) string {
		if v, ok := over[k]; ok {
			return v
		}
		return getenv(k)
	})
	if err != nil {
		if c.corpus != "" && strings.Contains(err.Error(), "BRIEFBOT_CORPUS_DIR") {
			return cfg, usageError{fmt.Sprintf("--corpus %s: not a readable directory of articles", c.corpus)}
		}
		problems := strings.Split(err.Error(), "\n")
		if len(problems) == 1 {
			return cfg, usageError{problems[0]}
		}
		return cfg, usageError{fmt.Sprintf("%d configuration problems:\n  %s", len(problems), strings.Join(problems, "\n  "))}
	}
	return cfg, nil
}

// openLibrary opens the store and the library over the configured corpus.
func openLibrary(ctx context.Context, cfg config.Config, stderr io.Writer, opt briefing.Options, showProgress bool) (*briefing.Library, *store.Store, briefing.Changes, error) {
	fsys, err := corpusFS(cfg.CorpusDir)
	if err != nil {
		return nil, nil, briefing.Changes{}, err
	}
	st, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, nil, briefing.Changes{}, err
	}
	opt.Corpus = fsys
	opt.CorpusID = corpusID(cfg.CorpusDir)
	if opt.Log == nil {
		opt.Log = cliLog(stderr)
	}
	if showProgress {
		opt.Progress = progressBar(stderr)
	}
	lib, ch, err := briefing.Open(ctx, st, opt)
	if err != nil {
		st.Close()
		return nil, nil, ch, err
	}
	return lib, st, ch, nil
}

// cliLog logs warnings and errors (skipped files, LLM fallbacks) to stderr.
func cliLog(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// corpusID names the corpus folder for briefing.Options.CorpusID: its
// absolute path, or "sample" for the embedded corpus.
func corpusID(dir string) string {
	if dir == "" {
		return "sample"
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

func corpusFS(dir string) (fs.FS, error) {
	if dir == "" {
		return corpus.Sample(), nil
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, usageError{fmt.Sprintf("corpus %s: not a readable directory of articles", dir)}
	}
	// Reading one entry shows the folder is readable without listing and
	// sorting all of it (the scan that follows does that once).
	f, err := os.Open(dir)
	if err == nil {
		_, err = f.ReadDir(1)
		f.Close()
		if errors.Is(err, io.EOF) {
			err = nil // empty, but readable
		}
	}
	if err != nil {
		return nil, usageError{fmt.Sprintf("corpus %s: cannot be read: %v", dir, errors.Unwrap(err))}
	}
	return os.DirFS(dir), nil
}

// progressBar draws a bar on stderr when it is a terminal and the job is large.
func progressBar(w io.Writer) func(done, total int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	last := time.Time{}
	return func(done, total int) {
		if total < 200 || (done < total && time.Since(last) < 100*time.Millisecond) {
			return
		}
		last = time.Now()
		const width = 30
		fill := width * done / total
		fmt.Fprintf(w, "\rindexing [%s%s] %d/%d", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// jsonPassage is one passage of `ask --json`; scripts depend on its fields.
type jsonPassage struct {
	Doc       string  `json:"doc"`
	Title     string  `json:"title"`
	Source    string  `json:"source"`
	Published string  `json:"published"`
	URL       string  `json:"url"`
	Text      string  `json:"text"`
	Score     float64 `json:"score"`
}

type jsonAnswer struct {
	Question     string        `json:"question"`
	Passages     []jsonPassage `json:"passages"`
	Answer       string        `json:"answer"`
	SummarizedBy string        `json:"summarized_by"`
	Error        string        `json:"error,omitempty"`
}

func toJSON(a briefing.Answer) jsonAnswer {
	out := jsonAnswer{Question: a.Question, Passages: []jsonPassage{}, Answer: bot.PlainText(bot.AnswerReply(a)), SummarizedBy: a.SummarizedBy}
	for _, p := range a.Passages {
		out.Passages = append(out.Passages, jsonPassage{
			Doc: p.Article.ID, Title: p.Article.Label(), Source: p.Article.Source, Published: p.Article.Date(),
			URL: p.Article.URL, Text: p.Text, Score: float64(int64(p.Score*1e4)) / 1e4,
		})
	}
	return out
}
