// Package ident checks the names packuilon puts into file names, argvs, tags and Glance keys:
// Aquilon names, image keys, template stems, build and image ids. They share one shape, an
// ASCII letter or digit followed by letters, digits, '_', '.' and '-', up to a maximum length:
//
//	ident.Valid("sl7x-x86_64", 64) // true
//	ident.Valid(".hidden", 64)     // false: must start with a letter or digit
//
// The checks are written by hand rather than as regexps: a bounded repetition such as
// {0,159} makes regexp.MustCompile build hundreds of instructions, and every package that did
// that at init added its cost to the start of each one-shot command (issue 12).
package ident
