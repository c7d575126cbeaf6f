namespace Bot.Storage.Entities;

public enum BankItemStatus { Active, LoginRequired }
