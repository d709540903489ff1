// Package schedule delivers scheduled digests: the schedule grammar and its
// daylight-saving arithmetic (Schedule, Parse), the subscriptions that say
// where and when a digest goes, and the delivery state machine that posts
// each one through a Poster. It knows no chat platform: the Poster, given a
// subscription and a briefing.Digest, renders and sends it.
//
// # Delivery guarantee
//
// Each (subscription, fire time) is posted at most once, and the articles
// of a fire time that is not posted are carried by the subscription's next
// digest, never lost.
//
// Each fire time of a subscription is a delivery, a row whose state moves
// as below, each move in one transaction:
//
//	(due)   -> pending    recorded with its window [since, until) before anything is posted
//	(due)   -> skipped    missed longer ago than Catchup (reason missed)
//	pending -> posting    just before the Poster is called; the attempt is counted
//	posting -> posted     the Poster accepted it
//	posting -> pending    the Poster refused it: retried
//	posting -> uncertain  interrupted, panicked or partly posted: never sent again
//	pending -> skipped    nothing new (empty), a later fire time's window covers
//	                      it (superseded), or the subscription was stopped
//
// A window's since is the end of the subscription's last delivered window
// (before its first digest: the start of its earliest recorded window, or
// the fire time minus the first window); its until is the fire time. Only
// posted and empty deliveries advance the subscription's last delivered
// window end, in the same transaction as their state; the window of a
// skipped or uncertain delivery is carried by the next digest.
//
// A Post the platform refuses (429, 5xx, network) goes back to pending and
// is retried with backoff (1s, 4s), then at each sweep, until it is
// accepted or a later fire time of the subscription comes due and
// supersedes it. After a crash or kill -9:
//   - before the pending record: the fire time is caught up at start when
//     it is at most Catchup old; otherwise it is skipped as missed, and its
//     articles are carried by the next digest (the window of a skipped
//     delivery is not counted as delivered);
//   - after it, before the platform call: it is posted at start (or
//     superseded, when later fire times were missed meanwhile);
//   - during the platform call, or after acceptance but before the posted
//     record: a delivery found posting at start belongs to a process that
//     died while calling the platform. It may or may not have been posted,
//     so it is marked uncertain, logged and never sent again; its window is
//     not counted as delivered, so its articles are also in the
//     subscription's next digest: at worst seen twice, never lost. When
//     that next digest is interrupted too, the first one's window counts as
//     delivered (its articles have been in two digests already): however
//     many deliveries in a row are interrupted, an article is in at most
//     two of them;
//   - after the posted record: nothing is left to do.
//
// The same holds for a Post that panics, or that fails with an error
// wrapping ErrPartlyPosted. What no client can tell apart: a Post that
// returns an error although the platform did accept the message (a response
// lost to a timeout) is retried, and shows twice.
//
// Fire times missed while the bot was down are caught up once at start: the
// latest of them, when it is at most Catchup old, carries everything since
// the last delivered digest; the others are recorded as skipped (missed)
// and logged.
package schedule
