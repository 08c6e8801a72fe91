package handshake

// HasAESGCMHardware exposes hasAESGCMHardware to the external tests, which
// need it to predict the server's cipher suite preference.
var HasAESGCMHardware = hasAESGCMHardware
