-- A refund is written as `pending` in the transaction that cancels its
-- order and asked of the provider only after that commits, under an
-- idempotency key; with the provider's answer it becomes `succeeded`. A
-- pending refund is asked again, with the same key, until it does: a retry
-- can never refund twice, and a rolled-back cancellation never refunds.
ALTER TABLE payments ADD COLUMN idempotency_key TEXT UNIQUE;
CREATE INDEX payments_pending_refunds_idx ON payments (id) WHERE kind = 'refund' AND status = 'pending';
