package search

import ("testing"; "fmt"; "time"; "slices"; "os"; "runtime/pprof")

func TestDebugSlow(t *testing.T) {
	if os.Getenv("SLOWN") == "" { t.Skip() }
	n := 750_000
	c := corpusOf(t, n)
	ix := indexOf(t, n)
	qs := newSynth(t, 7).questions(200)
	text := func(id uint32) (string, bool) { return c.texts[id-1], true }
	type r struct{ d time.Duration; q string; n int }
	var rs []r
	pf, _ := os.Create("/tmp/search.prof")
	pprof.StartCPUProfile(pf)
	defer pprof.StopCPUProfile()
	for _, q := range []string{"what is with workers", "chips"} {
		pq := ParseQuery(q)
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			ix.Search(pq, Options{K: 5})
			t1 := time.Now()
			ix.Search(pq, Options{K: 5, Text: text})
			fmt.Println(q, "notext", t1.Sub(t0), "text", time.Since(t1))
		}
	}
	for rep := 0; rep < 3; rep++ {
		for _, q := range qs {
			t0 := time.Now()
			h := ix.Search(ParseQuery(q), Options{K: 5, Text: text})
			rs = append(rs, r{time.Since(t0), q, len(h)})
		}
	}
	slices.SortFunc(rs, func(a, b r) int { return int(b.d - a.d) })
	for _, x := range rs[:20] {
		pq := ParseQuery(x.q)
		var dfs []uint32
		for _, t := range pq.Terms { if id, ok := ix.dict[t]; ok { dfs = append(dfs, ix.terms[id].df) } else { dfs = append(dfs, 0) } }
		fmt.Println(x.d, x.q, x.n, pq.Terms, dfs)
	}
	fmt.Println("median", rs[len(rs)/2].d)
}

func TestDebugMicro(t *testing.T) {
	if os.Getenv("SLOWN") == "" { t.Skip() }
	ix := indexOf(t, 750_000)
	tid := ix.dict["worker"]
	b := ix.terms[tid].post
	fmt.Println("worker postings bytes", len(b), "df", ix.terms[tid].df)
	pf, _ := os.Create("/tmp/micro.prof")
	pprof.StartCPUProfile(pf)
	defer pprof.StopCPUProfile()
	for r := 0; r < 300; r++ {
		t0 := time.Now()
		it := postingIter{b: b}
		n := 0
		var sum uint32
		for it.next() { n++; sum += it.slot }
		if r%50 == 0 { fmt.Println("decode", n, time.Since(t0), sum) }
		q := Query{Terms: []string{"worker"}}
		t0 = time.Now()
		cs, total := ix.concepts(q.Terms)
		t1 := time.Now()
		c := ix.candidates(cs, total, 40)
		if r%50 == 0 { fmt.Println("concepts", t1.Sub(t0), "candidates", time.Since(t1), len(c)) }
	}
}
