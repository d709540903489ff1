package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, even where the system has none
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParse(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	tests := []struct {
		in       string
		spec     string // canonical
		zone     string
		describe string
	}{
		{"daily 08:00", "daily 08:00", "Europe/Berlin", "daily at 08:00 (Europe/Berlin)"},
		{"Daily 8:05", "daily 08:05", "Europe/Berlin", "daily at 08:05 (Europe/Berlin)"},
		{"weekdays 07:30 tz America/New_York", "weekdays 07:30", "America/New_York", "weekdays at 07:30 (America/New_York)"},
		{"weekly mon 09:00", "weekly mon 09:00", "Europe/Berlin", "every Monday at 09:00 (Europe/Berlin)"},
		{"weekly Sunday 18:45 tz UTC", "weekly sun 18:45", "UTC", "every Sunday at 18:45 (UTC)"},
		{`cron "0 8 * * 1-5"`, `cron "0 8 * * 1-5"`, "Europe/Berlin", `cron "0 8 * * 1-5" (Europe/Berlin)`},
		{`cron “0 8 * * MON-FRI” tz Asia/Tokyo`, `cron "0 8 * * mon-fri"`, "Asia/Tokyo", `cron "0 8 * * mon-fri" (Asia/Tokyo)`},
		{"cron 30 6 * * *", `cron "30 6 * * *"`, "Europe/Berlin", `cron "30 6 * * *" (Europe/Berlin)`},
		{"15 7 1 * *", `cron "15 7 1 * *"`, "Europe/Berlin", `cron "15 7 1 * *" (Europe/Berlin)`},
		{"@hourly", "@hourly", "Europe/Berlin", "@hourly (Europe/Berlin)"},
		{"@daily tz America/New_York", "@daily", "America/New_York", "@daily (America/New_York)"},
		{"@every 1h", "@every 1h", "Europe/Berlin", "every 1h"},
		{"@every 90m", "@every 1h30m", "Europe/Berlin", "every 1h30m"},
		{"@every 5s", "@every 5s", "Europe/Berlin", "every 5s"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in, berlin)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if s.Spec() != tt.spec || s.Location().String() != tt.zone || s.String() != tt.describe {
				t.Errorf("Parse(%q) = %q in %s, %q; want %q in %s, %q", tt.in, s.Spec(), s.Location(), s.String(), tt.spec, tt.zone, tt.describe)
			}
			// The canonical form parses back to the same schedule.
			again, err := Parse(s.Spec(), s.Location())
			if err != nil || again.Spec() != s.Spec() {
				t.Errorf("canonical %q parses back to %q, %v", s.Spec(), again.Spec(), err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string // in the error, besides the list of what is accepted
	}{
		{"", "empty"},
		{"daily", "daily takes a time"},
		{"daily 25:00", `"25:00" is not a time of day`},
		{"daily 8am", `"8am" is not a time of day`},
		{"daily 08:7", `"08:7" is not a time of day`},
		{"weekly 09:00", "weekly takes a day and a time"},
		{"weekly someday 09:00", `"someday" is not a day`},
		{"hourly", `"hourly" is not a schedule`},
		{`cron "61 * * * *"`, "not a valid cron spec"},
		{`cron "0 8 * *"`, "not a valid cron spec"},
		{`cron "0 8 * * 1`, "quote is not closed"},
		{"daily 08:00 tz Mars/Olympus", `"Mars/Olympus" is not a known time zone`},
		{"daily 08:00 tz", "tz takes one zone name"},
		{"daily 08:00 tz Europe/Berlin extra", "tz takes one zone name"},
		{"CRON_TZ=Europe/Berlin 0 8 * * *", "put the zone after the spec"},
		{"@every soon", "not a valid cron spec"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in, time.UTC)
			if err == nil {
				t.Fatalf("Parse(%q) accepted it", tt.in)
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) = %v; want ErrInvalid mentioning %q", tt.in, err, tt.want)
			}
			if !strings.Contains(tt.want, "zone") && !strings.Contains(err.Error(), "for example: daily 08:00") {
				t.Errorf("Parse(%q) = %v; want it to say what is accepted with an example", tt.in, err)
			}
		})
	}
}

// fires lists the fire times of spec in zone from..to, formatted in zone.
func fires(t *testing.T, spec, zone string, from, to string) []string {
	t.Helper()
	loc := mustZone(t, zone)
	s, err := Parse(spec, loc)
	if err != nil {
		t.Fatal(err)
	}
	start, err1 := time.ParseInLocation("2006-01-02 15:04", from, loc)
	end, err2 := time.ParseInLocation("2006-01-02 15:04", to, loc)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	var out []string
	for f := s.Next(start); !f.IsZero() && f.Before(end); f = s.Next(f) {
		out = append(out, f.In(loc).Format("Mon 2006-01-02 15:04 MST"))
		if len(out) > 100 {
			t.Fatalf("%s: too many fire times", spec)
		}
	}
	return out
}

func TestScheduleNextDST(t *testing.T) {
	tests := []struct {
		name, spec, zone, from, to string
		want                       []string
	}{
		{
			name: "new york spring forward: 02:30 does not exist, fires when clocks change",
			spec: "daily 02:30", zone: "America/New_York", from: "2025-03-08 00:00", to: "2025-03-11 00:00",
			want: []string{"Sat 2025-03-08 02:30 EST", "Sun 2025-03-09 03:00 EDT", "Mon 2025-03-10 02:30 EDT"},
		},
		{
			name: "new york fall back: 01:30 happens twice, fires once",
			spec: "daily 01:30", zone: "America/New_York", from: "2025-11-01 00:00", to: "2025-11-04 00:00",
			want: []string{"Sat 2025-11-01 01:30 EDT", "Sun 2025-11-02 01:30 EDT", "Mon 2025-11-03 01:30 EST"},
		},
		{
			name: "new york fall back: 02:30 is unambiguous",
			spec: "daily 02:30", zone: "America/New_York", from: "2025-11-01 00:00", to: "2025-11-04 00:00",
			want: []string{"Sat 2025-11-01 02:30 EDT", "Sun 2025-11-02 02:30 EST", "Mon 2025-11-03 02:30 EST"},
		},
		{
			name: "berlin spring forward",
			spec: "daily 02:30", zone: "Europe/Berlin", from: "2025-03-29 00:00", to: "2025-04-01 00:00",
			want: []string{"Sat 2025-03-29 02:30 CET", "Sun 2025-03-30 03:00 CEST", "Mon 2025-03-31 02:30 CEST"},
		},
		{
			name: "berlin fall back: 02:30 happens twice, fires once",
			spec: "daily 02:30", zone: "Europe/Berlin", from: "2025-10-25 00:00", to: "2025-10-28 00:00",
			want: []string{"Sat 2025-10-25 02:30 CEST", "Sun 2025-10-26 02:30 CEST", "Mon 2025-10-27 02:30 CET"},
		},
		{
			name: "weekly on the spring-forward sunday",
			spec: "weekly sun 02:15", zone: "America/New_York", from: "2025-03-01 00:00", to: "2025-03-20 00:00",
			want: []string{"Sun 2025-03-02 02:15 EST", "Sun 2025-03-09 03:00 EDT", "Sun 2025-03-16 02:15 EDT"},
		},
		{
			name: "weekdays skip the weekend across the berlin change",
			spec: "weekdays 02:30", zone: "Europe/Berlin", from: "2025-10-24 00:00", to: "2025-10-28 00:00",
			want: []string{"Fri 2025-10-24 02:30 CEST", "Mon 2025-10-27 02:30 CET"},
		},
		{
			name: "cron spec, new york spring forward",
			spec: `cron "30 2 * * *"`, zone: "America/New_York", from: "2025-03-08 00:00", to: "2025-03-11 00:00",
			want: []string{"Sat 2025-03-08 02:30 EST", "Sun 2025-03-09 03:00 EDT", "Mon 2025-03-10 02:30 EDT"},
		},
		{
			name: "cron spec, new york fall back",
			spec: `cron "30 1 * * *"`, zone: "America/New_York", from: "2025-11-01 00:00", to: "2025-11-04 00:00",
			want: []string{"Sat 2025-11-01 01:30 EDT", "Sun 2025-11-02 01:30 EDT", "Mon 2025-11-03 01:30 EST"},
		},
		{
			name: "cron spec, berlin spring forward",
			spec: `cron "30 2 * * *"`, zone: "Europe/Berlin", from: "2025-03-29 00:00", to: "2025-04-01 00:00",
			want: []string{"Sat 2025-03-29 02:30 CET", "Sun 2025-03-30 03:00 CEST", "Mon 2025-03-31 02:30 CEST"},
		},
		{
			name: "cron spec, berlin fall back",
			spec: `cron "30 2 * * *"`, zone: "Europe/Berlin", from: "2025-10-25 00:00", to: "2025-10-28 00:00",
			want: []string{"Sat 2025-10-25 02:30 CEST", "Sun 2025-10-26 02:30 CEST", "Mon 2025-10-27 02:30 CET"},
		},
		{
			name: "half-hourly cron through the berlin gap: the gap's times collapse into one",
			spec: `cron "*/30 1-3 * * *"`, zone: "Europe/Berlin", from: "2025-03-30 00:00", to: "2025-03-30 05:00",
			want: []string{"Sun 2025-03-30 01:00 CET", "Sun 2025-03-30 01:30 CET", "Sun 2025-03-30 03:00 CEST", "Sun 2025-03-30 03:30 CEST"},
		},
		{
			name: "half-hourly cron through the repeated new york hour: once each",
			spec: `cron "*/30 0-2 * * *"`, zone: "America/New_York", from: "2025-11-02 00:00", to: "2025-11-02 03:00",
			want: []string{"Sun 2025-11-02 00:30 EDT", "Sun 2025-11-02 01:00 EDT", "Sun 2025-11-02 01:30 EDT", "Sun 2025-11-02 02:00 EST", "Sun 2025-11-02 02:30 EST"},
		},
		{
			name: "@daily in berlin on the fall-back day",
			spec: "@daily", zone: "Europe/Berlin", from: "2025-10-25 12:00", to: "2025-10-28 00:00",
			want: []string{"Sun 2025-10-26 00:00 CEST", "Mon 2025-10-27 00:00 CET"},
		},
		{
			name: "@every counts real time through the repeated hour",
			spec: "@every 1h", zone: "America/New_York", from: "2025-11-02 00:00", to: "2025-11-02 03:00",
			want: []string{"Sun 2025-11-02 01:00 EDT", "Sun 2025-11-02 01:00 EST", "Sun 2025-11-02 02:00 EST"},
		},
		{
			name: "day of month or day of week, as cron has it",
			spec: `cron "0 9 1 * fri"`, zone: "UTC", from: "2025-07-28 00:00", to: "2025-08-10 00:00",
			want: []string{"Fri 2025-08-01 09:00 UTC", "Fri 2025-08-08 09:00 UTC"},
		},
		{
			name: "leap day",
			spec: `cron "0 6 29 2 *"`, zone: "UTC", from: "2025-01-01 00:00", to: "2029-01-01 00:00",
			want: []string{"Tue 2028-02-29 06:00 UTC"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fires(t, tt.spec, tt.zone, tt.from, tt.to)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("%s in %s fires at\n\t%s\nwant\n\t%s", tt.spec, tt.zone, strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

// TestScheduleOncePerDay walks a whole year in zones with and without
// daylight saving: a daily schedule fires exactly once on every local date,
// at the named time when it exists, and its fire times only increase.
func TestScheduleOncePerDay(t *testing.T) {
	for _, zone := range []string{"America/New_York", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"} {
		for _, clock := range []string{"00:00", "00:30", "01:30", "02:00", "02:30", "03:00", "08:00", "23:59"} {
			loc := mustZone(t, zone)
			s, err := Parse("daily "+clock, loc)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, loc).Add(-time.Minute)
			end := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			h, m, _ := parseClock(clock)
			perDay := map[string]int{}
			prev := start
			for f := s.Next(start); f.Before(end); f = s.Next(f) {
				if !f.After(prev) {
					t.Fatalf("%s daily %s: %s after %s", zone, clock, f, prev)
				}
				prev = f
				local := f.In(loc)
				perDay[local.Format("2006-01-02")]++
				if local.Format("15:04") == clock {
					continue
				}
				// Only allowed when the named time does not exist that day.
				named := time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, loc)
				if named.Hour() == h && named.Minute() == m {
					t.Errorf("%s daily %s fired at %s although %s exists that day", zone, clock, local, clock)
				}
			}
			if len(perDay) != 365 {
				t.Errorf("%s daily %s fired on %d dates in 2025, want 365", zone, clock, len(perDay))
			}
			for day, n := range perDay {
				if n != 1 {
					t.Errorf("%s daily %s fired %d times on %s", zone, clock, n, day)
				}
			}
		}
	}
}
