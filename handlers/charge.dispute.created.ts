// A customer disputed a charge: the money is withdrawn now, and evidence is due by `evidence_details.due_by`.
import { defineHandler } from '#define-handler'

export default defineHandler('charge.dispute.created', async (event, { log }) => {
  const dispute = event.data.object
  const dueBy = dispute.evidence_details.due_by
  log.warn({
    disputeId: dispute.id,
    charge: dispute.charge,
    amount: dispute.amount,
    currency: dispute.currency,
    reason: dispute.reason,
    evidenceDueBy: dueBy === null ? null : new Date(dueBy * 1000).toISOString()
  }, `Dispute opened for ${dispute.amount} ${dispute.currency.toUpperCase()} (${dispute.reason}); submit evidence before the due date`)
})
