package keysched

import "encoding/hex"

// Labels of key log lines in the NSS key log format (SSLKEYLOGFILE).
const (
	LabelClientHandshake = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
	LabelServerHandshake = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
	LabelClientTraffic   = "CLIENT_TRAFFIC_SECRET_0"
	LabelServerTraffic   = "SERVER_TRAFFIC_SECRET_0"
	LabelClientEarly     = "CLIENT_EARLY_TRAFFIC_SECRET"
	LabelExporter        = "EXPORTER_SECRET"
	LabelTLS12           = "CLIENT_RANDOM"
)

// KeyLogLine returns one line of the NSS key log format:
// the label, the client random in hex, the secret in hex and a newline.
// For TLS 1.2 the label is LabelTLS12 and the secret is the master secret.
func KeyLogLine(label string, clientRandom, secret []byte) string {
	b := make([]byte, 0, len(label)+2*len(clientRandom)+2*len(secret)+3)
	b = append(b, label...)
	b = append(b, ' ')
	b = hex.AppendEncode(b, clientRandom)
	b = append(b, ' ')
	b = hex.AppendEncode(b, secret)
	b = append(b, '\n')
	return string(b)
}
