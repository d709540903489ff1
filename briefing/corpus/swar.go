package corpus

// Word-at-a-time ("SIMD within a register") helpers for the byte scans
// that run over every line of every article: eight bytes a step instead of
// one, and no branch on each byte.

const (
	lo7  = 0x7f7f7f7f7f7f7f7f
	hi1  = 0x8080808080808080
	ones = 0x0101010101010101
)

// load8 reads s[i:i+8] as a little-endian word (byte i in the low bits).
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// zeroBytes has the high bit of each byte of x that is 0 set, and no other
// bit: exact, unlike the classic haszero test, which may flag a 0x01 above
// a zero byte.
func zeroBytes(x uint64) uint64 {
	return ^((x&lo7 + lo7) | x | lo7)
}

// eqBytes has the high bit of each byte of x equal to c set, and no other.
func eqBytes(x uint64, c byte) uint64 { return zeroBytes(x ^ ones*uint64(c)) }
