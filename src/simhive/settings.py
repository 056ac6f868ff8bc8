"""Every timing, price and limit, read from SIMHIVE_* environment variables."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from limits import parse as parse_rate
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Operator settings; each field is `SIMHIVE_<NAME>` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="SIMHIVE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        "sqlite:///simhive.db",
        description="Database URL: sqlite:///path.db or postgresql://user@host:5432/db.",
    )
    db_pool_size: int = Field(
        10,
        ge=1,
        description="PostgreSQL connections per process for transactions (up to twice this "
        "under bursts) and as many again for `request_status` reads; a worker adds one that "
        "listens. Keep processes × (3 × this + 1) under the server's `max_connections`.",
    )
    host: str = Field("127.0.0.1", description="Address `simhive serve` listens on.")
    port: int = Field(8080, description="Port `simhive serve` listens on.")
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    serve_worker: bool = Field(
        True,
        description="Run the worker inside the API process (`serve --no-worker` turns it off).",
    )
    sandbox: bool = Field(
        False,
        description="Sandbox mode: every process on the database runs on the sandbox clock, "
        "which `simhive clock advance` moves forward, so timers, expiries and renewals fire as "
        "if that time had passed. For testing integrations; never on a live database.",
    )
    sandbox_clock_refresh_s: float = Field(
        0.5,
        gt=0,
        description="Seconds a process keeps the sandbox clock's offset before it reads the "
        "offset from the database again.",
    )

    reserved_lifetime_s: int = Field(
        900, description="Seconds a Reserved number waits for its SMS before Timed Out."
    )
    awaiting_lifetime_s: int = Field(
        1800, description="Seconds a bid waits as Awaiting MDN before it expires."
    )
    markup_min: int = Field(10, description="Smallest bid (markup), in cents.")
    markup_max: int = Field(2000, description="Largest bid (markup), in cents.")
    max_services_per_request: int = Field(5, description="Services on one multi-service request.")
    read_sms_limit: int = Field(3, description="Messages `read_sms` returns at most.")
    read_sms_window_s: int = Field(
        172800, description="How far back `read_sms` looks, in seconds (2 days)."
    )
    request_status_shape: Literal["array", "object"] = Field(
        "array",
        description="Default `request_status` answer shape for new accounts (array as in the "
        "references, or a bare object for older clients); each account can override it.",
    )
    priority_event_name: Literal["priority_request", "premium_request"] = Field(
        "priority_request",
        description="Webhook event name for a won bid (`premium_request` as in edition 004).",
    )
    ltr_reserve_fee: Decimal = Field(
        Decimal("5.00"),
        description="Flat fee added to an Unlimited rental reserved with `reserve=true` (004).",
    )
    rotation_window_s: int = Field(
        1800,
        ge=60,
        le=7 * 86400,
        description="Seconds a number stays online once SIM rotation puts it in a modem slot, "
        "on gateways with slots (`simhive rotation set`) that set no window of their own; a "
        "customer's `ltr_activate` gets at least this long online.",
    )
    send_sms_fee: Decimal = Field(
        Decimal("0.10"),
        ge=0,
        decimal_places=2,
        description="Flat fee for one outgoing SMS (`send_sms`), charged once the gateway has "
        "accepted it.",
    )
    send_sms_reply_window_s: int = Field(
        1800,
        ge=1,
        description="Seconds after an incoming SMS during which `send_sms` may answer its sender "
        "from that number (004: 30 minutes).",
    )
    default_price: Decimal = Field(
        Decimal("0.50"), description="One-time price for services created without one."
    )
    order_reuse_window_s: int = Field(
        14400,
        ge=0,
        description="Seconds after an order of the order API completed during which `/api/reuse` "
        'may order its number again for the same service (002: "a few hours usually").',
    )
    contract_price_1m: Decimal = Field(
        Decimal("15"),
        ge=0,
        decimal_places=2,
        description="Price of the order API's 1-month rental package (`/api/rental/*`, 1m).",
    )
    contract_price_3m: Decimal = Field(
        Decimal("30"),
        ge=0,
        decimal_places=2,
        description="Price of the order API's 3-month rental package (3m).",
    )
    contract_price_6m: Decimal = Field(
        Decimal("50"),
        ge=0,
        decimal_places=2,
        description="Price of the order API's 6-month rental package (6m).",
    )
    contract_price_1y: Decimal = Field(
        Decimal("70"),
        ge=0,
        decimal_places=2,
        description="Price of the order API's 1-year rental package (1y).",
    )

    webhook_timeout_s: float = Field(
        10.0,
        description="Seconds one webhook attempt may take in all: connecting, sending and "
        "reading the answer (a deadline, not a timeout per read).",
    )
    webhook_retry_interval_s: int = Field(
        600, description="Seconds between webhook attempts after a failure."
    )
    webhook_max_retries: int = Field(
        5, description="Attempts after the first failed one before a webhook is given up."
    )
    webhook_allow_private: bool = Field(
        False, description="Allow webhook targets on private, loopback or link-local addresses."
    )
    webhook_concurrency: int = Field(16, description="Webhook deliveries in flight per worker.")
    webhook_account_concurrency: int = Field(
        4,
        ge=1,
        description="Webhook deliveries a worker runs at once for one account, whatever URLs "
        "they go to, so one customer's slow endpoints cannot take every delivery thread.",
    )
    webhook_account_claims: int = Field(
        50,
        ge=1,
        description="Webhook events one account may hold claimed at once (waiting for a slot or "
        "being delivered); its others wait in the database, so one backlog never fills a "
        "worker's batch.",
    )

    inbound_sms_retry_window_s: int = Field(
        86400,
        ge=1,
        description="Seconds an inbound SMS keeps being re-sent to an account's REST inbound URL "
        "until it answers 2xx (003: during the next 24 hours).",
    )
    inbound_sms_retry_first_s: int = Field(
        30,
        ge=1,
        description="Seconds before the first retry of an inbound SMS to the REST inbound URL; "
        "each later wait doubles, up to `inbound_sms_retry_max_s`.",
    )
    inbound_sms_retry_max_s: int = Field(
        3600, ge=1, description="Longest wait between two attempts of an inbound SMS delivery."
    )

    fraud_window_s: int = Field(
        3600,
        ge=1,
        description="Fraud guard: seconds over which verification attempts are counted "
        "(a sliding window made of `fraud_bucket_s` buckets).",
    )
    fraud_bucket_s: int = Field(
        60,
        ge=1,
        description="Fraud guard: the width of one counting bucket; the window slides by it.",
    )
    fraud_range_digits: int = Field(
        3,
        ge=1,
        le=6,
        description="Fraud guard: a number range is the number without its last N digits "
        "(3: blocks of 1,000 numbers).",
    )
    fraud_range_limit: int = Field(
        10,
        ge=1,
        description="Fraud guard: verification attempts one account may send into one number "
        "range in the window; more are SUSPICIOUS (SMS pumping walks a range).",
    )
    fraud_ip_limit: int = Field(
        50,
        ge=1,
        description="Fraud guard: verification attempts one account may make for one end-user "
        "address (`ip`; an IPv6 /64) in the window; more are SUSPICIOUS. Carrier NAT puts "
        "many real users behind one address: see BENCHMARKS.md before lowering it.",
    )
    fraud_number_limit: int = Field(
        5,
        ge=1,
        description="Fraud guard: verification attempts one account may send to one number in "
        "the window; more are SUSPICIOUS.",
    )
    fraud_sequential_span: int = Field(
        5,
        ge=1,
        description="Fraud guard: numbers within this distance of a number are its neighbours "
        "(+44 7700 900105 and +44 7700 900101 are 4 apart).",
    )
    fraud_sequential_limit: int = Field(
        3,
        ge=1,
        description="Fraud guard: a number is SUSPICIOUS when the account tried this many of its "
        "neighbours in the window (runs of sequential numbers).",
    )
    fraud_high_risk_prefixes: str = Field(
        "870,881,882,883",
        description="Fraud guard: comma-separated E.164 prefixes treated as high-risk "
        "(SUSPICIOUS). The default lists the satellite and international-network codes that "
        "international revenue share fraud uses most.",
    )

    worker_poll_s: float = Field(0.2, description="Seconds a worker sleeps when idle.")
    worker_match_s: float = Field(
        5.0,
        description="Seconds between sweeps that match waiting bids with free numbers (a freed "
        "number is offered to bidders at once; the sweep catches the rest).",
    )
    worker_claim_s: int = Field(
        60, description="Seconds a worker owns a claimed job before others may recover it."
    )
    worker_batch: int = Field(100, description="Jobs one worker claims at a time.")

    stranded_grace_s: int = Field(
        600,
        description="Seconds a request stays open past its deadline while an SMS that arrived "
        "in time waits for its routing to be retried.",
    )
    reservation_notices: str = Field(
        "",
        description="Comma-separated gateways told when one of their numbers is reserved "
        "(the simulator is told whenever its auto-reply is on).",
    )
    default_gateway: str | None = Field(
        None,
        description="Gateway of imported numbers whose CSV row names none (no `gateway` "
        "column, or an empty cell); unset refuses such rows, so that real numbers are never "
        "taken for simulated ones.",
    )

    simulator_enabled: bool = Field(True, description="Run the simulator gateway.")
    simulator_auto_reply_s: float | None = Field(
        None,
        description="Seconds after a reservation when a simulated number receives the service's "
        "typical SMS; unset turns auto-reply off (the demo sets 5).",
    )
    simulator_flap_probability: float = Field(
        0.0, description="Chance per minute that a simulated number goes offline or online."
    )
    simulator_seed: int | None = Field(None, description="Seed for simulated numbers and codes.")

    ingest_token: str | None = Field(
        None,
        description="Bearer token that SMS gateways (phones, modem banks) use to post inbound SMS "
        "to /gateway/v1/sms; unset turns that endpoint off.",
    )
    metrics_enabled: bool = Field(True, description="Serve Prometheus metrics at /metrics.")
    metrics_token: str | None = Field(
        None,
        description="When set, /metrics answers only requests with `Authorization: Bearer <token>` "
        "(401 otherwise).",
    )
    max_open_requests: int = Field(
        0,
        ge=0,
        description="Requests (reserved or bidding, on the command and order APIs) one account "
        "may have open at once; 0: no bound. A request past it is refused ('Too many open "
        "requests', TOO_MANY_OPEN_ORDERS). Set it below the pool's size so that no one "
        "customer can hold every number: a request that times out costs nothing.",
    )
    sms_clock_skew_s: int = Field(
        60,
        ge=0,
        description="Seconds a gateway's clock may run behind the server's. An SMS stamped "
        "(received_at) earlier than that before its number's holder reserved or rented it "
        "is not theirs (a gateway posting late): it stays unrouted for the operator.",
    )
    ingest_max_body_bytes: int = Field(
        262144,
        description="Largest body /gateway/v1/sms accepts, in bytes (413 past it); a text is "
        "capped at 39,015 characters, 255 concatenated segments of 153.",
    )

    login_failures_per_user: int = Field(
        10,
        description="Failed password logins one user name may have from one client address in "
        "the window before that address's password logins for it are refused; from all "
        "addresses together, ten times this (its API keys keep working).",
    )
    login_failures_per_address: int = Field(
        30,
        description="Failed password logins one client address may have in the window before its "
        "password logins are refused (behind a proxy, run uvicorn with --proxy-headers).",
    )
    login_failure_window_s: int = Field(
        900, description="Seconds over which failed password logins are counted (moving window)."
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where failed logins are counted: memory:// (per process) or a redis:// URL "
        "shared by every process (needs the `redis` package).",
    )

    rest_rate_limit: str = Field(
        "30/second",
        description="Requests one account may make to the REST API (`/v1`), written like "
        "`30/second` or `1000/hour`; past it, error 4 (HTTP 429) with Retry-After. Counted in "
        "the database, shared by every process (or in Redis when SIMHIVE_REDIS_URL is set).",
    )
    redis_url: str | None = Field(
        None,
        description="A redis:// URL: the REST API's request counts are kept there instead of in "
        "the database (needs the `redis` package).",
    )
    rest_max_body_bytes: int = Field(
        65536, ge=1024, description="Largest body a REST API (`/v1`) request may have, in bytes."
    )
    outbound_gateway: str = Field(
        "simulator",
        description="Gateway that carries the REST API's SMS and calls (verification codes, "
        "`/v1/sms`, flash calls) to their recipients.",
    )
    default_sender: str = Field(
        "simhive",
        description="Sender id of the REST API's SMS when the request names none (needs no "
        "approval).",
    )
    caller_id_pool: str = Field(
        "3728232,1202555",
        description="Comma-separated caller-id prefixes of the operator's numbers for flash "
        "calls: a caller id is a prefix followed by the code (or random digits), 8 to 15 "
        "digits in all.",
    )
    verify_code_expiry_s: int = Field(
        300, ge=30, le=86400, description="Seconds a verification code stays valid by default."
    )
    verify_check_attempts: int = Field(
        3, ge=1, le=20, description="Checks a verification allows by default."
    )
    verify_sms_price: Decimal = Field(
        Decimal("0.05"), ge=0, decimal_places=2, description="Price of one verification by SMS."
    )
    verify_voice_price: Decimal = Field(
        Decimal("0.08"), ge=0, decimal_places=2, description="Price of one verification by voice."
    )
    verify_call_price: Decimal = Field(
        Decimal("0.03"),
        ge=0,
        decimal_places=2,
        description="Price of one verification by flash call (`method=call`).",
    )
    sms_part_price: Decimal = Field(
        Decimal("0.04"),
        ge=0,
        decimal_places=2,
        description="Price of one SMS part sent with `/v1/sms` (a long text costs one per part).",
    )
    flash_call_price: Decimal = Field(
        Decimal("0.02"), ge=0, decimal_places=2, description="Price of one `/v1/calls/flash` call."
    )
    hlr_price: Decimal = Field(
        Decimal("0.01"),
        ge=0,
        decimal_places=2,
        description="Price of one HLR lookup (`/v1/insight/hlr`), charged for every answer.",
    )
    fraudcheck_price: Decimal = Field(
        Decimal("0.01"),
        ge=0,
        decimal_places=2,
        description="Price of one fraud check (`/v1/insight/fraudcheck`); the check that "
        "`/v1/verify` makes is part of the verification's price.",
    )
    simulator_unreachable: str = Field(
        "",
        description="Comma-separated numbers whose simulated handsets are switched off: SMS to "
        "them are UNDELIVERED and calls FAILED (for testing receipts).",
    )

    @field_validator("rest_rate_limit")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse_rate(value)
        except ValueError as exc:
            raise ValueError(f"write a rate like 30/second or 1000/hour, not {value!r}") from exc
        return value

    @property
    def reservation_notice_gateways(self) -> frozenset[str]:
        """The gateways that hear of reservations on their numbers."""
        names = {n.strip() for n in self.reservation_notices.split(",") if n.strip()}
        if self.simulator_auto_reply_s is not None:
            names.add("simulator")
        return frozenset(names)
