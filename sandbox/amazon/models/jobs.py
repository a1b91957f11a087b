"""Reports, feeds and the documents (files) behind them (Reports/Feeds API 2021-06-30)."""

from __future__ import annotations

from django.db import models

from sandbox.amazon.models.seller import SandboxAmazonSeller


class ProcessingStatus(models.TextChoices):
    """``processingStatus`` of reports and feeds (``reports_2021-06-30.json``,
    ``feeds_2021-06-30.json``)."""

    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    CANCELLED = "CANCELLED"
    FATAL = "FATAL"


TERMINAL = (ProcessingStatus.DONE, ProcessingStatus.CANCELLED, ProcessingStatus.FATAL)


class DocumentKind(models.TextChoices):
    """What a document holds."""

    REPORT = "report"
    FEED_INPUT = "feed_input"
    FEED_RESULT = "feed_result"


class SandboxAmazonDocument(models.Model):
    """A report or feed document; its bytes live in ``VAR_DIR/sandbox/amazon/<seller>/<id>``.

    ``compression`` is ``"GZIP"`` when the stored bytes are gzip (``compressionAlgorithm``);
    ``uploaded_at`` is set once a feed document's contents were PUT to its upload URL."""

    seller = models.ForeignKey(
        SandboxAmazonSeller, on_delete=models.CASCADE, related_name="documents"
    )
    document_id = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    content_type = models.CharField(max_length=200)
    compression = models.CharField(max_length=10, blank=True)
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
    uploaded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.document_id


class SandboxAmazonReport(models.Model):
    """A requested report. ``polls`` counts ``getReport`` calls (they drive the lifecycle);
    ``fatal`` was decided when it was requested (see ``SandboxAmazonSeller.fail_next_report``)."""

    seller = models.ForeignKey(
        SandboxAmazonSeller, on_delete=models.CASCADE, related_name="reports"
    )
    report_id = models.CharField(max_length=20, unique=True)
    report_type = models.CharField(max_length=100)
    marketplace_ids = models.JSONField(default=list)
    report_options = models.JSONField(default=dict)
    data_start_time = models.DateTimeField()
    data_end_time = models.DateTimeField()
    created_time = models.DateTimeField()
    processing_status = models.CharField(
        max_length=12, choices=ProcessingStatus.choices, default=ProcessingStatus.IN_QUEUE
    )
    processing_start_time = models.DateTimeField(null=True, blank=True)
    processing_end_time = models.DateTimeField(null=True, blank=True)
    polls = models.PositiveIntegerField(default=0)
    fatal = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    document = models.ForeignKey(
        SandboxAmazonDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["seller", "created_time"])]

    def __str__(self) -> str:
        return f"report {self.report_id} ({self.processing_status})"


class SandboxAmazonFeed(models.Model):
    """A submitted feed. ``polls`` counts ``getFeed`` calls (they drive the lifecycle); the
    processing report is ``result_document`` once DONE."""

    seller = models.ForeignKey(SandboxAmazonSeller, on_delete=models.CASCADE, related_name="feeds")
    feed_id = models.CharField(max_length=20, unique=True)
    feed_type = models.CharField(max_length=100)
    marketplace_ids = models.JSONField(default=list)
    input_document = models.ForeignKey(
        SandboxAmazonDocument, on_delete=models.CASCADE, related_name="+"
    )
    created_time = models.DateTimeField()
    processing_status = models.CharField(
        max_length=12, choices=ProcessingStatus.choices, default=ProcessingStatus.IN_QUEUE
    )
    processing_start_time = models.DateTimeField(null=True, blank=True)
    processing_end_time = models.DateTimeField(null=True, blank=True)
    polls = models.PositiveIntegerField(default=0)
    result_document = models.ForeignKey(
        SandboxAmazonDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"feed {self.feed_id} ({self.processing_status})"
