package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when a digest fires: a wall-clock schedule (daily, weekdays,
// weekly), a cron spec or a descriptor, in a time zone. It implements
// cron.Schedule.
//
// Wall-clock schedules and cron specs fire at most once for each local date
// and time they name, whatever the clock does on daylight-saving days:
//   - a time inside the spring-forward gap (02:30 when clocks jump from
//     02:00 to 03:00) fires once, at the first instant after the gap: 03:00
//     local, the moment the clocks change;
//   - a time inside the repeated fall-back hour (01:30 in New York, 02:30 in
//     Berlin) fires once, at its first occurrence (still on summer time).
//
// For cron specs this means that "*/15 * * * *" does not fire during the
// second pass through a repeated hour, and that the quarter hours inside a
// spring-forward gap collapse into one firing at its end. Descriptors of
// the form "@every DURATION" count real elapsed time instead and ignore the
// clock. (robfig/cron's own SpecSchedule skips the gap and fires twice in
// the repeated hour; only its parser is used here.)
type Schedule struct {
	kind    scheduleKind
	hour    int
	minute  int
	weekday time.Weekday       // kindWeekly
	spec    *cron.SpecSchedule // kindCron
	every   time.Duration      // kindEvery
	text    string             // canonical spec without the zone
	loc     *time.Location
}

type scheduleKind int

const (
	kindDaily scheduleKind = iota + 1
	kindWeekdays
	kindWeekly
	kindCron
	kindEvery
)

// DefaultSpec is the schedule of a subscription that asks for none.
const DefaultSpec = "daily 08:00"

// Usage says which schedules are accepted, with examples. Errors from
// Parse end with it.
const Usage = `use daily HH:MM, weekdays HH:MM, weekly DAY HH:MM, cron "MIN HOUR DOM MON DOW" or a descriptor (@hourly, @daily, @weekly, @every 1h), optionally followed by tz ZONE; for example: daily 08:00 tz Europe/Berlin, weekly mon 09:30, cron "0 8 * * 1-5", @every 6h`

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("schedule not accepted")

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// Parse parses a schedule:
//
//	daily HH:MM             every day at that local time
//	weekdays HH:MM          Monday to Friday
//	weekly DAY HH:MM        DAY is mon..sun or the full name
//	cron "M H DOM MON DOW"  a standard five-field cron spec (quotes optional)
//	M H DOM MON DOW         the same, bare
//	@hourly @daily @weekly @monthly @yearly @midnight, @every DURATION
//
// optionally followed by "tz ZONE" (an IANA name such as Europe/Berlin);
// without it the schedule is in defaultLoc (UTC when nil). Keywords are case
// insensitive. Errors wrap ErrInvalid and say what is accepted.
func Parse(spec string, defaultLoc *time.Location) (Schedule, error) {
	if defaultLoc == nil {
		defaultLoc = time.UTC
	}
	fields, err := scheduleFields(spec)
	if err != nil {
		return Schedule{}, err
	}
	loc := defaultLoc
	for i := 0; i < len(fields); i++ {
		if !strings.EqualFold(fields[i], "tz") {
			continue
		}
		if i+2 != len(fields) {
			return Schedule{}, invalid("tz takes one zone name at the end, such as tz Europe/Berlin")
		}
		loc, err = LoadZone(fields[i+1])
		if err != nil {
			return Schedule{}, err
		}
		fields = fields[:i]
		break
	}
	s, err := parseFields(fields)
	if err != nil {
		return Schedule{}, err
	}
	s.loc = loc
	return s, nil
}

// LoadZone loads an IANA time zone by name ("Europe/Berlin", "UTC"). The
// error says what is accepted.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("%w: %q is not a time zone; use an IANA name such as Europe/Berlin, America/New_York or UTC", ErrInvalid, name)
	}
	if strings.EqualFold(name, "utc") {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not a known time zone; use an IANA name such as Europe/Berlin, America/New_York or UTC", ErrInvalid, name)
	}
	return loc, nil
}

func invalid(problem string) error {
	return fmt.Errorf("%w: %s; %s", ErrInvalid, problem, Usage)
}

// scheduleFields splits a spec into words; a quoted cron spec ("..." or
// “...” or '...') is one word.
func scheduleFields(spec string) ([]string, error) {
	var out []string
	rs := []rune(strings.TrimSpace(spec))
	for i := 0; i < len(rs); {
		switch r := rs[i]; {
		case r == ' ' || r == '\t' || r == '\n':
			i++
		case r == '"' || r == '\'' || r == '“' || r == '”' || r == '‘' || r == '’':
			end := -1
			for j := i + 1; j < len(rs); j++ {
				if closes(r, rs[j]) {
					end = j
					break
				}
			}
			if end < 0 {
				return nil, invalid("a quote is not closed")
			}
			out = append(out, strings.TrimSpace(string(rs[i+1:end])))
			i = end + 1
		default:
			j := i
			for j < len(rs) && rs[j] != ' ' && rs[j] != '\t' && rs[j] != '\n' {
				j++
			}
			out = append(out, string(rs[i:j]))
			i = j
		}
	}
	return out, nil
}

func closes(open, r rune) bool {
	switch open {
	case '"', '“', '”':
		return r == '"' || r == '”' || r == '“'
	default:
		return r == '\'' || r == '’' || r == '‘'
	}
}

func parseFields(f []string) (Schedule, error) {
	if len(f) == 0 {
		return Schedule{}, invalid("the schedule is empty")
	}
	switch word := strings.ToLower(f[0]); {
	case strings.HasPrefix(word, "tz=") || strings.HasPrefix(word, "cron_tz="):
		return Schedule{}, invalid("put the zone after the spec as tz ZONE, not TZ= inside it")
	case word == "daily" || word == "weekdays":
		if len(f) != 2 {
			return Schedule{}, invalid(word + " takes a time, such as " + word + " 08:00")
		}
		h, m, err := parseClock(f[1])
		if err != nil {
			return Schedule{}, err
		}
		k := kindDaily
		if word == "weekdays" {
			k = kindWeekdays
		}
		return Schedule{kind: k, hour: h, minute: m, text: fmt.Sprintf("%s %02d:%02d", word, h, m)}, nil
	case word == "weekly":
		if len(f) != 3 {
			return Schedule{}, invalid("weekly takes a day and a time, such as weekly mon 09:00")
		}
		day, ok := weekdays[strings.ToLower(f[1])]
		if !ok {
			return Schedule{}, invalid(fmt.Sprintf("%q is not a day; use mon, tue, wed, thu, fri, sat or sun", f[1]))
		}
		h, m, err := parseClock(f[2])
		if err != nil {
			return Schedule{}, err
		}
		text := fmt.Sprintf("weekly %s %02d:%02d", strings.ToLower(day.String()[:3]), h, m)
		return Schedule{kind: kindWeekly, weekday: day, hour: h, minute: m, text: text}, nil
	case word == "cron":
		if len(f) == 2 {
			return parseCron(f[1])
		}
		if len(f) == 6 { // cron 0 8 * * 1-5, unquoted
			return parseCron(strings.Join(f[1:], " "))
		}
		return Schedule{}, invalid(`cron takes a five-field spec in quotes, such as cron "0 8 * * 1-5"`)
	case strings.HasPrefix(word, "@"):
		return parseCron(strings.Join(f, " "))
	case len(f) == 1 && strings.Count(f[0], " ") == 4: // a quoted bare spec
		return parseCron(f[0])
	case len(f) == 5:
		return parseCron(strings.Join(f, " "))
	}
	return Schedule{}, invalid(fmt.Sprintf("%q is not a schedule", strings.Join(f, " ")))
}

func parseClock(s string) (hour, minute int, err error) {
	hs, ms, ok := strings.Cut(s, ":")
	h, herr := strconv.Atoi(hs)
	m, merr := strconv.Atoi(ms)
	if !ok || herr != nil || merr != nil || len(ms) != 2 || len(hs) > 2 || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, invalid(fmt.Sprintf("%q is not a time of day; write it as 24-hour HH:MM, such as 08:00 or 17:30", s))
	}
	return h, m, nil
}

func parseCron(spec string) (Schedule, error) {
	spec = strings.Join(strings.Fields(spec), " ")
	upper := strings.ToUpper(spec)
	if strings.HasPrefix(upper, "TZ=") || strings.HasPrefix(upper, "CRON_TZ=") {
		return Schedule{}, invalid("put the zone after the spec as tz ZONE, not TZ= inside it")
	}
	cs, err := cronParser.Parse(spec)
	if err != nil {
		return Schedule{}, invalid(fmt.Sprintf("%q is not a valid cron spec (%v)", spec, err))
	}
	switch c := cs.(type) {
	case *cron.SpecSchedule:
		text := spec
		if !strings.HasPrefix(spec, "@") {
			text = `cron "` + spec + `"`
		}
		return Schedule{kind: kindCron, spec: c, text: strings.ToLower(text)}, nil
	case cron.ConstantDelaySchedule:
		return Schedule{kind: kindEvery, every: c.Delay, text: "@every " + FormatDuration(c.Delay)}, nil
	}
	return Schedule{}, invalid(fmt.Sprintf("%q is not a supported schedule", spec))
}

// FormatDuration formats d without zero units: 1h, 1h30m, 5s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Spec is the schedule in canonical form without its zone, such that
// Parse(s.Spec(), s.Location()) returns an equal schedule.
func (s Schedule) Spec() string { return s.text }

// Location is the zone the schedule's times are in.
func (s Schedule) Location() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// String describes the schedule for people: "daily at 08:00 (Europe/Berlin)".
func (s Schedule) String() string {
	zone := " (" + s.Location().String() + ")"
	clock := fmt.Sprintf("%02d:%02d", s.hour, s.minute)
	switch s.kind {
	case kindDaily:
		return "daily at " + clock + zone
	case kindWeekdays:
		return "weekdays at " + clock + zone
	case kindWeekly:
		return "every " + s.weekday.String() + " at " + clock + zone
	case kindCron:
		return s.text + zone
	case kindEvery:
		return "every " + FormatDuration(s.every)
	}
	return "never"
}

// Next returns the first fire time strictly after after, or the zero time
// when there is none (a cron spec such as "0 0 30 2 *").
func (s Schedule) Next(after time.Time) time.Time {
	loc := s.Location()
	switch s.kind {
	case kindEvery:
		// Whole seconds, as robfig/cron does: keeps fire times stable.
		return after.Truncate(time.Second).Add(s.every)
	case kindDaily, kindWeekdays, kindWeekly:
		day := localDate(after.In(loc)).AddDate(0, 0, -1)
		for range 10 {
			if s.dayMatches(day.Weekday()) {
				if t := wallTime(day, s.hour, s.minute, loc); t.After(after) {
					return t
				}
			}
			day = day.AddDate(0, 0, 1)
		}
	case kindCron:
		return s.nextCron(after)
	}
	return time.Time{}
}

func (s Schedule) dayMatches(d time.Weekday) bool {
	switch s.kind {
	case kindWeekdays:
		return d >= time.Monday && d <= time.Friday
	case kindWeekly:
		return d == s.weekday
	}
	return true
}

// cronStar marks a field written as * (or ?) in robfig/cron's bit sets.
const cronStar = 1 << 63

// nextCron walks local dates, and each matching date's hours and minutes,
// resolving each local time to an instant with wallTime.
func (s Schedule) nextCron(after time.Time) time.Time {
	loc := s.Location()
	c := s.spec
	day := localDate(after.In(loc)).AddDate(0, 0, -1)
	for range 366 * 5 { // a leap day may be four years away
		if c.Month&(1<<uint(day.Month())) != 0 && cronDayMatches(c, day) &&
			wallTime(day, 23, 59, loc).After(after) {
			for h := range 24 {
				if c.Hour&(1<<uint(h)) == 0 || !wallTime(day, h, 59, loc).After(after) {
					continue
				}
				for m := range 60 {
					if c.Minute&(1<<uint(m)) == 0 {
						continue
					}
					if t := wallTime(day, h, m, loc); t.After(after) {
						return t
					}
				}
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}
}

// cronDayMatches applies cron's day rule: when both day of month and day of
// week are restricted, either may match.
func cronDayMatches(c *cron.SpecSchedule, day time.Time) bool {
	dom := c.Dom&(1<<uint(day.Day())) != 0
	dow := c.Dow&(1<<uint(day.Weekday())) != 0
	if c.Dom&cronStar != 0 || c.Dow&cronStar != 0 {
		return dom && dow
	}
	return dom || dow
}

// localDate is midnight of t's date as a UTC time, used only for calendar
// arithmetic (no daylight saving in UTC).
func localDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// wallTime returns the instant at which the clock in loc shows hour:minute on
// date (a localDate). When that time occurs twice (fall back) it is the first
// occurrence; when it does not occur (spring forward) it is the first instant
// after the gap, the moment the clocks change.
func wallTime(date time.Time, hour, minute int, loc *time.Location) time.Time {
	wall := time.Date(date.Year(), date.Month(), date.Day(), hour, minute, 0, 0, time.UTC).Unix()
	guess := time.Date(date.Year(), date.Month(), date.Day(), hour, minute, 0, 0, loc)
	// The offsets in force around the guess: its own zone's and its
	// neighbours'. A local time maps to an instant u with u + offset(u) == wall.
	start, end := guess.ZoneBounds()
	_, off := guess.Zone()
	offsets := []int{off}
	if !start.IsZero() {
		_, o := start.Add(-time.Second).Zone()
		offsets = append(offsets, o)
	}
	if !end.IsZero() {
		_, o := end.Zone()
		offsets = append(offsets, o)
	}
	var best time.Time
	minOff := off
	for _, o := range offsets {
		minOff = min(minOff, o)
		u := time.Unix(wall-int64(o), 0).In(loc)
		if _, uo := u.Zone(); uo == o && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if !best.IsZero() {
		return best
	}
	// In a gap: wall - minOff lies just after the transition, which is the
	// start of the zone it falls in.
	after := time.Unix(wall-int64(minOff), 0).In(loc)
	t, _ := after.ZoneBounds()
	return t
}

// IsZero reports whether s is the zero Schedule (none parsed), which never
// fires.
func (s Schedule) IsZero() bool { return s.kind == 0 }

// FiresWithin reports whether s fires twice less than gap apart during the
// day after now.
func (s Schedule) FiresWithin(gap time.Duration, now time.Time) bool {
	prev := s.Next(now)
	for range 100 {
		next := s.Next(prev)
		if prev.IsZero() || next.IsZero() || next.Sub(now) > 24*time.Hour {
			return false
		}
		if next.Sub(prev) < gap {
			return true
		}
		prev = next
	}
	return false
}
