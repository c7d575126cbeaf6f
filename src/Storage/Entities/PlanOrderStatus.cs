namespace Bot.Storage.Entities;

public enum PlanOrderStatus { Pending, Submitted, Working, Filled, PartiallyFilled, Cancelled, Rejected, Failed }
