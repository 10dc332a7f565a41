// Package testenv starts real services on loopback for tests and the demo: a private RabbitMQ
// (own node, epmd, ports and state directory), a private Keystone + Glance (SharedOpenStack,
// PrivateOpenStack, or StartOpenStack outside tests, e.g. for the demo), a private Rally
// database and deployment (StartRally), an HTTP server publishing Aquilon profiles
// (StartProfileServer), and — the one stand-in, because Nova cannot run here — the Nova API
// simulator (StartNovaSim), registered in the real Keystone catalog. WriteSite lays out a
// complete /etc/packer-utils tree pointing at them.
//
// A test package shares one broker; TestMain stops what was started:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		rmq := testenv.SharedRabbit(t)
//		g := rmq.Global(testenv.UniqueName(t)) // a config.Global with a queue of its own
//	}
//
// When a service is not installed, tests are skipped with advice, unless PACKUILON_REQUIRE_SERVICES
// is set (make test sets it), in which case they fail: make test never skips integration tests.
package testenv
