package app

import "github.com/segmentio/kafka-go"

// KafkaClients returns the kafka-go dialer (for readers) and transport
// (for writers and the admin client) that reach the brokers with
// tlsFiles and auth, as the processor's own clients do; both are nil when
// neither TLS nor SASL is configured (kafka-go's defaults). Operator
// commands such as `processor dlq` use it.
func KafkaClients(tlsFiles TLSFiles, auth SASL) (*kafka.Dialer, *kafka.Transport, error) {
	clients, err := kafkaSecurity(tlsFiles, auth)
	return clients.Dialer, clients.Transport, err
}
