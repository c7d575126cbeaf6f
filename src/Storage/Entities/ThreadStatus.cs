namespace Bot.Storage.Entities;

public enum ThreadStatus { Active, Archived }
