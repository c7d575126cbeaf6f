namespace Bot.Storage.Entities;

public enum TradePlanStatus { Proposed, Approved, Submitting, Submitted, Filled, PartiallyFilled, Rejected, Failed, Declined, Expired }
