package redistest

import "testing"

func TestStartRedis(t *testing.T) {
	addr, stop := StartRedis(t)
	if err := ping(addr); err != nil {
		t.Fatalf("started server does not answer: %v", err)
	}
	other, _ := StartRedis(t)
	if other == addr {
		t.Fatal("two servers share one address")
	}
	stop()
	stop() // idempotent
	if err := ping(addr); err == nil {
		t.Fatal("stopped server still answers")
	}
	if err := ping(other); err != nil {
		t.Fatalf("stopping one server stopped the other: %v", err)
	}
}
