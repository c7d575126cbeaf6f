namespace Bot.Storage.Entities;

public enum InboxStatus { Pending, Done, Failed }
