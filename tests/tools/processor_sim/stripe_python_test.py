#!/usr/bin/python3
"""Stripe's own Python client library (Debian's python3-stripe) against the simulator.

The simulator claims to imitate Stripe closely enough that an ordinary Stripe client works
against it; this holds it to that with a real one: how the library encodes parameters
(`confirm=True`, `payment_method_types[0]=card`), which exception class each error maps to,
the library's own retries (connection resets, Stripe-Should-Retry, reused Idempotency-Key)
and its webhook signature check.

Usage: stripe_python_test.py PATH_TO_escrowd-processor-sim [unittest arguments]
"""
import http.server
import json
import queue
import subprocess
import sys
import threading
import unittest
import urllib.request

import stripe

SIMULATOR = None  # set from argv in main
API_KEY = "sk_test_stripe_python"
WEBHOOK_SECRET = "whsec_stripe_python"


class Simulator:
    """One simulator process on a free loopback port, stopped on close."""

    def __init__(self, *flags):
        self.process = subprocess.Popen([SIMULATOR, "--listen", "127.0.0.1:0", "--seed", "11", *flags],
                                        stdout=subprocess.PIPE, text=True)
        banner = self.process.stdout.readline().strip()
        if not banner.startswith("escrowd-processor-sim listening on "):
            self.process.kill()
            raise RuntimeError("simulator did not start: " + repr(banner))
        self.base = "http://" + banner.rsplit(" ", 1)[1]

    def inspect(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as answer:
            return json.load(answer)

    def advance_clock(self, seconds):
        request = urllib.request.Request(self.base + "/_sim/clock/advance",
                                         data=("seconds=%d" % seconds).encode(), method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def close(self):
        self.process.terminate()
        self.process.stdout.close()
        if self.process.wait(timeout=10) != 0:
            raise RuntimeError("simulator exited with %d" % self.process.returncode)


class SimulatorTest(unittest.TestCase):
    flags = ()

    def setUp(self):
        self.sim = Simulator(*self.flags)
        self.addCleanup(self.sim.close)
        stripe.api_key = API_KEY
        stripe.api_base = self.sim.base
        stripe.api_version = None
        stripe.max_network_retries = 0

    def charges_under_key(self, key):
        return [c for c in self.sim.inspect("/_sim/charges") if c["idempotency_key"] == key]

    @staticmethod
    def create_card_charge(amount, **extra):
        return stripe.PaymentIntent.create(amount=amount, currency="usd", payment_method="pm_card_visa",
                                           confirm=True, payment_method_types=["card"], **extra)


class PaymentIntentTest(SimulatorTest):
    def test_a_derived_key_charges_once_and_replays_the_same_intent(self):
        first = self.create_card_charge(1234, metadata={"escrowd_topup": "t1"},
                                        idempotency_key="topup:t1:charge")
        self.assertEqual(first.status, "succeeded")
        self.assertEqual(first.amount_received, 1234)
        self.assertEqual(first.metadata["escrowd_topup"], "t1")
        replay = self.create_card_charge(1234, metadata={"escrowd_topup": "t1"},
                                         idempotency_key="topup:t1:charge")
        self.assertEqual(replay.id, first.id)
        self.assertEqual(replay.last_response.headers["Idempotent-Replayed"], "true")
        self.assertEqual(len(self.charges_under_key("topup:t1:charge")), 1)

    def test_an_empty_metadata_value_leaves_the_key_unset(self):
        # The library sends "" as `metadata[unset]=`, which Stripe documents as unsetting it.
        intent = self.create_card_charge(1250, metadata={"kept": "1", "unset": ""})
        self.assertEqual(intent.metadata.to_dict(), {"kept": "1"})
        payout = stripe.Payout.create(amount=300, currency="usd", metadata={"unset": ""})
        self.assertEqual(payout.metadata.to_dict(), {})

    def test_a_reused_key_with_other_parameters_is_an_idempotency_error(self):
        self.create_card_charge(500, idempotency_key="topup:t2:charge")
        with self.assertRaises(stripe.error.IdempotencyError) as caught:
            self.create_card_charge(501, idempotency_key="topup:t2:charge")
        self.assertEqual(caught.exception.http_status, 400)
        self.assertEqual(len(self.charges_under_key("topup:t2:charge")), 1)

    def test_a_decline_is_a_card_error_carrying_the_intent(self):
        with self.assertRaises(stripe.error.CardError) as caught:
            stripe.PaymentIntent.create(amount=700, currency="usd", confirm=True,
                                        payment_method="pm_card_chargeDeclinedInsufficientFunds",
                                        payment_method_types=["card"])
        error = caught.exception
        self.assertEqual(error.http_status, 402)
        self.assertEqual(error.code, "card_declined")
        self.assertEqual(error.error.decline_code, "insufficient_funds")
        self.assertEqual(error.error.payment_intent.status, "requires_payment_method")

    def test_an_unknown_payment_method_names_its_parameter(self):
        with self.assertRaises(stripe.error.InvalidRequestError) as caught:
            stripe.PaymentIntent.create(amount=700, currency="usd", confirm=True,
                                        payment_method="pm_card_nonsense", payment_method_types=["card"])
        self.assertEqual(caught.exception.param, "payment_method")
        self.assertEqual(caught.exception.code, "resource_missing")

    def test_retrieve_expands_the_latest_charge(self):
        created = self.create_card_charge(900)
        fetched = stripe.PaymentIntent.retrieve(created.id, expand=["latest_charge"])
        self.assertEqual(fetched.latest_charge.object, "charge")
        self.assertEqual(fetched.latest_charge.amount_captured, 900)

    def test_manual_capture_and_cancel(self):
        held = stripe.PaymentIntent.create(amount=800, currency="eur", payment_method="pm_card_visa",
                                           confirm=True, capture_method="manual",
                                           payment_method_types=["card"])
        self.assertEqual(held.status, "requires_capture")
        captured = stripe.PaymentIntent.capture(held.id, amount_to_capture=600)
        self.assertEqual((captured.status, captured.amount_received), ("succeeded", 600))
        unconfirmed = stripe.PaymentIntent.create(amount=800, currency="eur", payment_method_types=["card"])
        canceled = stripe.PaymentIntent.cancel(unconfirmed.id, cancellation_reason="abandoned")
        self.assertEqual(canceled.status, "canceled")

    def test_capture_updates_metadata_as_the_library_sends_it(self):
        held = stripe.PaymentIntent.create(amount=700, currency="usd", payment_method="pm_card_visa",
                                           confirm=True, capture_method="manual",
                                           payment_method_types=["card"],
                                           metadata={"order": "7", "drop": "me"})
        # The library sends an empty value as `metadata[drop]=`: Stripe's "unset this key".
        captured = stripe.PaymentIntent.capture(held.id, metadata={"drop": "", "note": "paid"})
        self.assertEqual(captured.status, "succeeded")
        self.assertEqual(captured.metadata.to_dict(), {"order": "7", "note": "paid"})
        self.assertEqual(stripe.PaymentIntent.retrieve(held.id).metadata.to_dict(),
                         {"order": "7", "note": "paid"})

    def test_instance_methods_confirm_and_capture(self):
        intent = stripe.PaymentIntent.create(amount=650, currency="usd", capture_method="manual",
                                             payment_method_types=["card"])
        self.assertEqual(intent.status, "requires_payment_method")
        intent.confirm(payment_method="pm_card_mastercard")
        self.assertEqual(intent.status, "requires_capture")
        intent.capture()
        self.assertEqual((intent.status, intent.amount_received), ("succeeded", 650))

    def test_lists_page_through_every_intent_and_refuse_a_metadata_filter(self):
        ids = {self.create_card_charge(100 + n, metadata={"batch": "b%d" % (n % 2)}).id for n in range(5)}
        page = stripe.PaymentIntent.list(limit=2)
        self.assertEqual(len(page.data), 2)
        self.assertTrue(page.has_more)
        self.assertEqual({intent.id for intent in page.auto_paging_iter()}, ids)
        with self.assertRaises(stripe.error.InvalidRequestError) as caught:
            stripe.PaymentIntent.list(metadata={"batch": "b1"})
        self.assertEqual((caught.exception.code, caught.exception.param), ("parameter_unknown", "metadata"))

    def test_search_finds_by_metadata_and_pages_with_next_page(self):
        tagged = [self.create_card_charge(100 + n, metadata={"order": "o'1"}).id for n in range(5)]
        self.create_card_charge(999, metadata={"order": "o2"})
        found = stripe.PaymentIntent.search(query="metadata['order']:'o\\'1'", limit=2)
        self.assertIsInstance(found, stripe.SearchResultObject)
        self.assertEqual(found.url, "/v1/payment_intents/search")
        self.assertEqual([intent.id for intent in found.data], tagged[::-1][:2])
        self.assertTrue(found.has_more)
        self.assertIsNotNone(found.next_page)
        self.assertEqual([intent.id for intent in found.auto_paging_iter()], tagged[::-1])
        numeric = stripe.PaymentIntent.search(query="amount>=103 OR amount:999")
        self.assertEqual([intent.amount for intent in numeric.data], [999, 104, 103])
        self.assertIsNone(numeric.next_page)
        with self.assertRaises(stripe.error.InvalidRequestError) as caught:
            stripe.PaymentIntent.search(query="customer:'cus_1'")
        self.assertEqual(caught.exception.param, "query")

    def test_lists_page_through_intents_created_since_a_time(self):
        first = self.create_card_charge(100)
        self.sim.advance_clock(2)
        later = [self.create_card_charge(200 + n).id for n in range(3)]
        since = stripe.PaymentIntent.retrieve(later[0]).created
        page = stripe.PaymentIntent.list(created={"gte": since}, limit=2)
        self.assertTrue(page.has_more)
        self.assertEqual([intent.id for intent in page.auto_paging_iter()], later[::-1])
        self.assertEqual([intent.id for intent in stripe.PaymentIntent.list(created=first.created)], [first.id])
        with self.assertRaises(stripe.error.InvalidRequestError) as caught:
            stripe.PaymentIntent.list(created={"after": since})
        self.assertEqual(caught.exception.param, "created[after]")

    def test_automatic_payment_methods_follow_the_api_version(self):
        with self.assertRaises(stripe.error.InvalidRequestError) as caught:
            stripe.PaymentIntent.create(amount=300, currency="usd", payment_method="pm_card_visa", confirm=True)
        self.assertEqual(caught.exception.param, "return_url")
        never = stripe.PaymentIntent.create(amount=300, currency="usd", payment_method="pm_card_visa",
                                            confirm=True,
                                            automatic_payment_methods={"enabled": True,
                                                                       "allow_redirects": "never"})
        self.assertEqual(never.status, "succeeded")
        stripe.api_version = "2022-11-15"
        card_only = stripe.PaymentIntent.create(amount=300, currency="usd", payment_method="pm_card_visa",
                                                confirm=True)
        self.assertEqual(card_only.status, "succeeded")
        self.assertEqual(card_only.last_response.headers["Stripe-Version"], "2022-11-15")

    def test_a_key_that_is_not_a_test_key_is_refused(self):
        with self.assertRaises(stripe.error.AuthenticationError) as caught:
            stripe.PaymentIntent.list(api_key="rk_live_nope")
        self.assertEqual(caught.exception.http_status, 401)


class SearchLagTest(SimulatorTest):
    flags = ("--search-lag-ms", "60000")

    def test_a_new_intent_is_searchable_only_after_the_lag(self):
        intent = self.create_card_charge(100, metadata={"order": "fresh"})
        query = "metadata['order']:'fresh'"
        self.assertEqual(stripe.PaymentIntent.search(query=query).data, [])
        self.assertEqual([i.id for i in stripe.PaymentIntent.list()], [intent.id])
        self.sim.advance_clock(61)
        self.assertEqual([i.id for i in stripe.PaymentIntent.search(query=query)], [intent.id])


class PayoutTest(SimulatorTest):
    flags = ("--payout-settle-ms", "1000")

    def test_a_payout_settles_paid_or_failed_by_destination(self):
        paid = stripe.Payout.create(amount=300, currency="usd", destination="ba_default",
                                    metadata={"escrowd_payout": "p1"}, idempotency_key="payout:p1:transfer")
        failing = stripe.Payout.create(amount=300, currency="usd", destination="ba_fail_no_account")
        self.assertEqual(paid.status, "pending")
        self.sim.advance_clock(5)
        self.assertEqual(stripe.Payout.retrieve(paid.id).status, "paid")
        failed = stripe.Payout.retrieve(failing.id, expand=["balance_transaction"])
        self.assertEqual((failed.status, failed.failure_code), ("failed", "no_account"))
        since = stripe.Payout.retrieve(paid.id).created
        self.assertEqual([p.id for p in stripe.Payout.list(created={"gte": since}).auto_paging_iter()
                          if p.metadata.get("escrowd_payout") == "p1"], [paid.id])

    def test_a_pending_payout_cancels_and_lists_by_status(self):
        payout = stripe.Payout.create(amount=400, currency="gbp")
        self.assertEqual(stripe.Payout.cancel(payout.id).status, "canceled")
        self.assertEqual([p.id for p in stripe.Payout.list(status="canceled").auto_paging_iter()], [payout.id])
        with self.assertRaises(stripe.error.InvalidRequestError):
            stripe.Payout.cancel(payout.id)


class LostResponseTest(SimulatorTest):
    """Every first answer is lost after the effect (connection reset): the library's retry
    under the same key must get the saved answer, not a second charge."""
    flags = ("--drop-after-effect", "1", "--drop-mode", "reset")

    def test_the_library_retry_replays_instead_of_charging_twice(self):
        stripe.max_network_retries = 2
        intent = self.create_card_charge(2500, idempotency_key="topup:t9:charge")
        self.assertEqual(intent.status, "succeeded")
        self.assertEqual(intent.last_response.headers["Idempotent-Replayed"], "true")
        self.assertEqual(len(self.charges_under_key("topup:t9:charge")), 1)

    def test_without_retries_the_client_sees_a_connection_error_and_the_charge_exists(self):
        with self.assertRaises(stripe.error.APIConnectionError):
            self.create_card_charge(2600, idempotency_key="topup:t10:charge")
        self.assertEqual(len(self.charges_under_key("topup:t10:charge")), 1)
        replay = self.create_card_charge(2600, idempotency_key="topup:t10:charge")
        self.assertEqual(replay.amount_received, 2600)


class RefusedRequestTest(SimulatorTest):
    flags = ("--lock-timeout", "1")

    def test_should_retry_true_is_retried_by_the_library_then_surfaces(self):
        stripe.max_network_retries = 1
        with self.assertRaises(stripe.error.RateLimitError) as caught:
            self.create_card_charge(100, idempotency_key="topup:t11:charge")
        self.assertEqual(caught.exception.error.code, "lock_timeout")
        self.assertEqual(self.sim.inspect("/_sim/stats")["faults"]["lock_timeout"], 2)
        self.assertEqual(self.charges_under_key("topup:t11:charge"), [])


class ServerErrorTest(SimulatorTest):
    flags = ("--fail-before-effect", "1")

    def test_should_retry_false_stops_the_library_after_one_attempt(self):
        stripe.max_network_retries = 3
        with self.assertRaises(stripe.error.APIError) as caught:
            self.create_card_charge(100, idempotency_key="topup:t12:charge")
        self.assertEqual(caught.exception.http_status, 500)
        self.assertEqual(self.sim.inspect("/_sim/stats")["faults"]["fail_before_effect"], 1)
        self.assertEqual(self.charges_under_key("topup:t12:charge"), [])


class WebhookReceiver(http.server.BaseHTTPRequestHandler):
    deliveries = None  # a queue.Queue, set by the test

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.deliveries.put((body.decode(), self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class WebhookTest(unittest.TestCase):
    def setUp(self):
        WebhookReceiver.deliveries = queue.Queue()
        self.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WebhookReceiver)
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        self.addCleanup(self.receiver.server_close)
        self.addCleanup(self.receiver.shutdown)
        url = "http://127.0.0.1:%d/v1/processor/webhooks" % self.receiver.server_address[1]
        self.sim = Simulator("--webhook-url", url, "--webhook-secret", WEBHOOK_SECRET)
        self.addCleanup(self.sim.close)
        stripe.api_key = API_KEY
        stripe.api_base = self.sim.base
        stripe.api_version = None
        stripe.max_network_retries = 0

    def test_events_verify_with_the_library_and_tampering_is_caught(self):
        intent = stripe.PaymentIntent.create(amount=4200, currency="usd", payment_method="pm_card_visa",
                                             confirm=True, payment_method_types=["card"],
                                             idempotency_key="topup:t20:charge")
        body, signature = WebhookReceiver.deliveries.get(timeout=10)
        event = stripe.Webhook.construct_event(body, signature, WEBHOOK_SECRET)
        self.assertEqual(event.type, "payment_intent.succeeded")
        self.assertEqual(event.data.object.id, intent.id)
        self.assertEqual(event["request"]["idempotency_key"], "topup:t20:charge")
        with self.assertRaises(stripe.error.SignatureVerificationError):
            stripe.Webhook.construct_event(body.replace("4200", "4201"), signature, WEBHOOK_SECRET)
        with self.assertRaises(stripe.error.SignatureVerificationError):
            stripe.Webhook.construct_event(body, signature, "whsec_someone_else")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    SIMULATOR = sys.argv.pop(1)
    unittest.main(verbosity=2)
