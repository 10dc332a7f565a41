package profilewatch

import (
	wire "encoding/binary" // cli_test.go has a "binary"
	"fmt"
	"sync"
)

// AMQP 0-9-1 framing, what confirms need of it: a frame is type (1 octet), channel (2), payload
// size (4), payload, and the end octet 0xCE; a method frame's payload starts with its class and
// method ids (2 octets each), basic.ack's arguments are the delivery tag (8) and a bit field
// whose first bit, "multiple", confirms every tag up to the one given.
const (
	amqpFrameMethod    = 1
	amqpFrameEnd       = 0xCE
	amqpClassBasic     = 60
	amqpMethodBasicAck = 80
)

// brokerAcks follows what a broker sends its clients through a testenv.TCPProxy
// (ObserveFromTarget) and counts the publishes it confirmed, once their basic.ack has been
// written to the client: a test can cut the broker knowing that many confirms reached the
// client, where the queue's depth only tells what the broker stored.
type brokerAcks struct {
	mu    sync.Mutex
	bufs  map[int][]byte             // per connection: the bytes of a frame not complete yet
	acked map[[2]int]map[uint64]bool // per connection and channel: the tags confirmed
	count int
	err   error
}

func newBrokerAcks() *brokerAcks {
	return &brokerAcks{bufs: map[int][]byte{}, acked: map[[2]int]map[uint64]bool{}}
}

// observe takes the next bytes of connection conn, and returns the confirms counted so far.
func (a *brokerAcks) observe(conn int, b []byte) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	buf := append(a.bufs[conn], b...)
	for a.err == nil && len(buf) >= 7 {
		size := int(wire.BigEndian.Uint32(buf[3:7]))
		if len(buf) < 7+size+1 {
			break
		}
		if buf[7+size] != amqpFrameEnd {
			a.err = fmt.Errorf("connection %d: frame without its end octet", conn)
			break
		}
		p := buf[7 : 7+size]
		if buf[0] == amqpFrameMethod && size >= 13 &&
			wire.BigEndian.Uint16(p[0:2]) == amqpClassBasic && wire.BigEndian.Uint16(p[2:4]) == amqpMethodBasicAck {
			a.ack(conn, int(wire.BigEndian.Uint16(buf[1:3])), wire.BigEndian.Uint64(p[4:12]), p[12]&1 != 0)
		}
		buf = buf[7+size+1:]
	}
	a.bufs[conn] = buf
	return a.count
}

// ack records a basic.ack of tag (and of every tag before it when multiple) on a channel.
func (a *brokerAcks) ack(conn, channel int, tag uint64, multiple bool) {
	k := [2]int{conn, channel}
	set := a.acked[k]
	if set == nil {
		set = map[uint64]bool{}
		a.acked[k] = set
	}
	from := tag
	if multiple {
		from = 1
	}
	for t := from; t <= tag; t++ {
		if !set[t] {
			set[t] = true
			a.count++
		}
	}
}

// failure is the first framing error met (nil: none).
func (a *brokerAcks) failure() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}
