package amqp

import (
	"errors"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// IsPermanent reports whether a connection error is one that retrying cannot cure: the broker
// refused the credentials, or denied access to the virtual host or queue (403, 530). The
// consumer retries anyway (the broker's side may be fixed), but says so as an error.
func IsPermanent(err error) bool {
	if errors.Is(err, amqp091.ErrCredentials) || errors.Is(err, amqp091.ErrSASL) {
		return true
	}
	var ae *amqp091.Error
	if errors.As(err, &ae) {
		return ae.Code == amqp091.AccessRefused || ae.Code == amqp091.NotAllowed
	}
	return false
}
