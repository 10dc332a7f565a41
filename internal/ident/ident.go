package ident

// Alnum reports whether c is an ASCII letter or digit.
func Alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// NameByte reports whether c may follow the first byte of a name: an ASCII letter or digit,
// '_', '.' or '-'.
func NameByte(c byte) bool { return Alnum(c) || c == '_' || c == '.' || c == '-' }

// Valid reports whether s is a name of 1 to max bytes: an ASCII letter or digit, then only
// NameBytes. It matches exactly what the regexp ^[A-Za-z0-9][A-Za-z0-9_.-]{0,max-1}$ matches
// (every byte it accepts is ASCII, so bytes and runes count the same).
func Valid(s string, max int) bool {
	if len(s) == 0 || len(s) > max || !Alnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !NameByte(s[i]) {
			return false
		}
	}
	return true
}

// PathSafe reports whether s is Valid for max and holds no "..": safe as a part of a file
// name, a Glance key or a tag (Aquilon names, image keys, template stems).
func PathSafe(s string, max int) bool {
	if !Valid(s, max) {
		return false
	}
	for i := 2; i < len(s); i++ { // s[0] is a letter or digit
		if s[i] == '.' && s[i-1] == '.' {
			return false
		}
	}
	return true
}
