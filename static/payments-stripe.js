// Stripe's Payment Element on the Stripe payment page (templates/payments/providers/
// _stripe_element.html): mounted with the intent's client secret, confirmed by Stripe.js,
// which sends the payer to the return URL.  The card never reaches our server.
(function () {
  "use strict";
  var holder = document.getElementById("stripe-payment");
  if (!holder || typeof window.Stripe !== "function") {
    return;
  }
  var stripe = window.Stripe(holder.dataset.publishableKey);
  var elements = stripe.elements({
    clientSecret: holder.dataset.clientSecret,
    locale: holder.dataset.locale || "auto"
  });
  elements.create("payment").mount("#stripe-payment-element");
  var form = document.getElementById("stripe-payment-form");
  var button = document.getElementById("stripe-payment-submit");
  var error = document.getElementById("stripe-payment-error");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: holder.dataset.returnUrl } })
      .then(function (answer) {
        if (answer.error) {
          error.textContent = answer.error.message || "The payment could not be made.";
          error.hidden = false;
          button.disabled = false;
        }
      });
  });
})();
