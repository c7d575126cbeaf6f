namespace Bot.Storage.Entities;

public enum OutboxStatus { Pending, Sent, Failed, Expired, Unreachable }
