-- 010: the local day (in the subscription's zone) of a channel's last scheduled digest, written
-- in the transaction that records the digest. The scheduler posts a day's scheduled digest only
-- while this is earlier than that day, so a restart, a repeated wall time at the end of DST or a
-- schedule moved later the same day never posts that day's digest twice. NULL: none since this
-- column exists (the catch-up then compares fire times with last_digest_at, as before).
ALTER TABLE subscriptions ADD COLUMN last_scheduled_day TEXT
    CHECK (last_scheduled_day IS NULL OR date(last_scheduled_day) = last_scheduled_day);
