package glance

import (
	"strings"
	"time"
)

// strftime formats t (in UTC) with the %Y %m %d %H %M %S %% directives, which is all a name
// format needs; other directives are kept literally.
func strftime(format string, t time.Time) string {
	t = t.UTC()
	r := strings.NewReplacer(
		"%Y", t.Format("2006"), "%m", t.Format("01"), "%d", t.Format("02"),
		"%H", t.Format("15"), "%M", t.Format("04"), "%S", t.Format("05"), "%%", "%",
	)
	return r.Replace(format)
}

// formatName fills {name} and {date} of a name format (WAREHOUSE_NAME, BROKEN_NAME).
func formatName(format, name, dateFormat string, t time.Time) string {
	return strings.NewReplacer("{name}", name, "{date}", strftime(dateFormat, t)).Replace(format)
}

// carried reports whether property k is carried from the previous image to the new one: the
// Aquilon keys, the OS description Nova schedules on, hardware hints, and the configured extras
// (exact names, or prefixes ending in "*").
func carried(k string, extra []string) bool {
	if strings.HasPrefix(k, "packuilon_") {
		return false
	}
	switch {
	case strings.HasPrefix(strings.ToUpper(k), "AQ_"),
		k == "os_distro", k == "os_version", k == "os_variant",
		strings.HasPrefix(k, "hw_"):
		return true
	}
	for _, e := range extra {
		if p, ok := strings.CutSuffix(e, "*"); ok && strings.HasPrefix(k, p) || e == k {
			return true
		}
	}
	return false
}
