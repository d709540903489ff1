package store

import (
	"context"
	"fmt"
	"time"
)

// StampsOf returns the stamps of the articles whose path is in paths,
// ordered by Path (several articles may share a path): one lookup of the
// articles_path index for each.
func (s *Store) StampsOf(ctx context.Context, paths []string) ([]Stamp, error) {
	var out []Stamp
	for vals := paths; len(vals) > 0; {
		n := min(len(vals), matchChunk)
		args := make([]any, n)
		for i, v := range vals[:n] {
			args[i] = v
		}
		vals = vals[n:]
		list, err := s.stamps(ctx, `SELECT ord, path, size, mtime FROM articles WHERE path IN (`+placeholders(n)+`) ORDER BY path`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// StampsUnder returns the stamps of the articles whose path is under the
// folder dir (a slash path, not "."), ordered by Path: a range of the
// articles_path index.
func (s *Store) StampsUnder(ctx context.Context, dir string) ([]Stamp, error) {
	// '0' follows '/': the range holds exactly the paths that start with dir+"/".
	return s.stamps(ctx, `SELECT ord, path, size, mtime FROM articles WHERE path >= ? AND path < ? ORDER BY path`, dir+"/", dir+"0")
}

func (s *Store) stamps(ctx context.Context, q string, args ...any) ([]Stamp, error) {
	rows, err := s.queryIn(ctx, q, args)
	if err != nil {
		return nil, fmt.Errorf("store: stamps: %w", err)
	}
	defer rows.Close()
	var out []Stamp
	for rows.Next() {
		var st Stamp
		var mtime int64
		if err := rows.Scan(&st.Ord, &st.Path, &st.Size, &mtime); err != nil {
			return nil, fmt.Errorf("store: stamps: %w", err)
		}
		if mtime != 0 {
			st.ModTime = time.Unix(0, mtime).UTC()
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: stamps: %w", err)
	}
	return out, nil
}
