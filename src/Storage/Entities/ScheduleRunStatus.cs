namespace Bot.Storage.Entities;

public enum ScheduleRunStatus { Queued, Delivered, Failed, Skipped }
