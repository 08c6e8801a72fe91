package gotls

import "time"

// closeNotifyTimeout bounds how long Close waits to send close_notify.
const closeNotifyTimeout = 5 * time.Second

func closeNotifyDeadline() time.Time { return time.Now().Add(closeNotifyTimeout) }
