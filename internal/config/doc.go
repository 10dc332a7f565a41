// Package config reads packuilon's configuration: the original /etc/packer-utils/config.ini
// format of cdb2rabbit and rabbit2packer, unchanged, plus new keys with defaults.
//
// Every problem names the file, the section and the key; Load reports all of them at once:
//
//	cfg, err := config.Load("/etc/packer-utils/config.ini")
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err) // one line per problem
//	}
//
// A daemon reloads by calling Load again and swapping the pointer only when it succeeded,
// so a bad edit keeps the running configuration; once the new one runs, it calls
// cfg.Replaces(old), so that AsWritten stops hiding what earlier configurations brought in.
package config
