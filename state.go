package gotls

import "crypto/tls"

// PeerSignatureScheme returns the signature scheme the peer signed the
// handshake with, or zero before the handshake or when the peer did not
// sign. tls.ConnectionState has no field for it; this is a gotls addition.
func (c *Conn) PeerSignatureScheme() tls.SignatureScheme {
	c.engMu.Lock()
	defer c.engMu.Unlock()
	if c.eng == nil {
		return 0
	}
	return tls.SignatureScheme(c.eng.Handshake().Result().SignatureScheme)
}
